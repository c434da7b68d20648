# Build flavours. Presets set these; see CMakePresets.json.
set(ZS_SANITIZE "none" CACHE STRING "none, asan-ubsan, msan or tsan")
set_property(CACHE ZS_SANITIZE PROPERTY STRINGS none asan-ubsan msan tsan)
option(ZS_VALGRIND "Memcheck client requests in the core; tests run under valgrind" OFF)
option(ZS_COVERAGE "clang source-based coverage" OFF)
set(ZS_FUZZ_ENGINE "none" CACHE STRING "none, libfuzzer, afl or external")
set_property(CACHE ZS_FUZZ_ENGINE PROPERTY STRINGS none libfuzzer afl external)
# Only for ZS_FUZZ_ENGINE=external: how to link the engine, e.g. OSS-Fuzz's
# $LIB_FUZZING_ENGINE (-fsanitize=fuzzer, or a path to libAFLDriver.a).
set(ZS_FUZZ_LINK_FLAGS "" CACHE STRING "engine link flags for ZS_FUZZ_ENGINE=external")
# Only for ZS_FUZZ_ENGINE=afl: fuzz targets are the CMPLOG build, named
# <target>.cmplog (the afl preset drives this as a sub-build).
option(ZS_AFL_CMPLOG "afl: build the CMPLOG variant <target>.cmplog" OFF)
option(ZS_WERROR "Treat warnings as errors" OFF)
# zstore (and its tests, CLI and fuzz target) needs LZ4 and zstd; the
# allocator needs neither. AUTO builds it when both are found, ON makes a
# missing codec a configure error, OFF leaves it out.
set(ZS_BUILD_ZSTORE "AUTO" CACHE STRING "AUTO, ON or OFF: build zstore (needs LZ4 and zstd)")
set_property(CACHE ZS_BUILD_ZSTORE PROPERTY STRINGS AUTO ON OFF)

add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes)
if(ZS_WERROR)
  add_compile_options(-Werror)
endif()
# _GNU_SOURCE for pthread and fork helpers; the code itself stays C11.
add_compile_definitions(_GNU_SOURCE)

set(ZS_IS_CLANG FALSE)
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  set(ZS_IS_CLANG TRUE)
endif()

if(ZS_SANITIZE STREQUAL "asan-ubsan")
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined
           -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(${_san})
elseif(ZS_SANITIZE STREQUAL "msan")
  if(NOT ZS_IS_CLANG)
    message(FATAL_ERROR "ZS_SANITIZE=msan needs clang")
  endif()
  set(_san -fsanitize=memory -fsanitize-memory-track-origins=2
           -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(${_san})
elseif(ZS_SANITIZE STREQUAL "tsan")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT ZS_SANITIZE STREQUAL "none")
  message(FATAL_ERROR "unknown ZS_SANITIZE=${ZS_SANITIZE}")
endif()

if(ZS_VALGRIND)
  if(NOT ZS_SANITIZE STREQUAL "none")
    message(FATAL_ERROR "ZS_VALGRIND cannot be combined with a sanitizer")
  endif()
  find_path(ZS_VALGRIND_INCLUDE valgrind/memcheck.h REQUIRED)
  find_program(ZS_VALGRIND_EXE valgrind REQUIRED)
  add_compile_definitions(ZS_VALGRIND=1)
  include_directories(SYSTEM ${ZS_VALGRIND_INCLUDE})
endif()

if(ZS_COVERAGE)
  if(NOT ZS_IS_CLANG)
    message(FATAL_ERROR "ZS_COVERAGE needs clang (source-based coverage)")
  endif()
  add_compile_options(-fprofile-instr-generate -fcoverage-mapping)
  add_link_options(-fprofile-instr-generate)
  # The core writes its profile before it aborts (core/src/kernel/report.c).
  add_compile_definitions(ZS_COVERAGE_BUILD=1)
endif()

# Fuzzing engines: library code gets the coverage instrumentation, the
# harness executables link the engine (see fuzz/CMakeLists.txt).
# ZS_CORE_FUZZ_FLAGS: the core keeps edge coverage but not libFuzzer's
# comparison hooks. Input bytes reach the core only through sizes and op
# choices the harnesses decode (where the hooks stay), while the core's
# own loops over classes, pfns and free lists made the hooks a third of
# every execution (docs/fuzzing.md).
# ZS_ORACLE_FUZZ_FLAGS: the harnesses' oracle side (shadow model, work
# counts, page provider, notices) gets no coverage at all. Its branches
# follow the model's state, which the decoders' and the core's coverage
# already tell apart; counting them cost zs_ops 11% of every execution
# and fed libFuzzer only features of the checking itself.
set(ZS_CORE_FUZZ_FLAGS "")
set(ZS_ORACLE_FUZZ_FLAGS "")
set(zs_no_coverage
  -fno-sanitize-coverage=inline-8bit-counters,indirect-calls,trace-cmp,pc-table)
if(ZS_FUZZ_ENGINE STREQUAL "libfuzzer")
  if(NOT ZS_IS_CLANG)
    message(FATAL_ERROR "ZS_FUZZ_ENGINE=libfuzzer needs clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
  set(ZS_FUZZ_LINK_FLAGS -fsanitize=fuzzer)
  set(ZS_CORE_FUZZ_FLAGS -fno-sanitize-coverage=trace-cmp)
  set(ZS_ORACLE_FUZZ_FLAGS ${zs_no_coverage})
elseif(ZS_FUZZ_ENGINE STREQUAL "afl")
  # afl-clang-fast instruments everything it compiles; its -fsanitize=fuzzer
  # links AFL++'s own persistent-mode driver (shared-memory input).
  set(ZS_FUZZ_LINK_FLAGS -fsanitize=fuzzer)
  if(ZS_AFL_CMPLOG)
    # AFL_LLVM_CMPLOG is read by afl-clang-fast from its environment, so
    # every compile and link of this build goes through `cmake -E env`.
    set(CMAKE_C_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env AFL_LLVM_CMPLOG=1)
    set(CMAKE_C_LINKER_LAUNCHER ${CMAKE_COMMAND} -E env AFL_LLVM_CMPLOG=1)
  endif()
elseif(ZS_FUZZ_ENGINE STREQUAL "external")
  # The caller's CFLAGS carry the sanitizer and coverage flags (OSS-Fuzz's
  # compile step); the engine comes in ZS_FUZZ_LINK_FLAGS. Fuzz targets link
  # with the C++ driver, as OSS-Fuzz requires: its engines are C++.
  if(NOT ZS_SANITIZE STREQUAL "none" OR ZS_COVERAGE OR ZS_VALGRIND)
    message(FATAL_ERROR "ZS_FUZZ_ENGINE=external takes its sanitizer and "
      "coverage flags from CFLAGS: leave ZS_SANITIZE, ZS_COVERAGE, ZS_VALGRIND off")
  endif()
  if(ZS_FUZZ_LINK_FLAGS STREQUAL "")
    message(FATAL_ERROR "ZS_FUZZ_ENGINE=external needs ZS_FUZZ_LINK_FLAGS "
      "(e.g. -DZS_FUZZ_LINK_FLAGS=\"$LIB_FUZZING_ENGINE\")")
  endif()
  separate_arguments(ZS_FUZZ_LINK_FLAGS UNIX_COMMAND "${ZS_FUZZ_LINK_FLAGS}")
  enable_language(CXX)
  if(CMAKE_C_FLAGS MATCHES "-fsanitize=fuzzer-no-link")
    set(ZS_CORE_FUZZ_FLAGS -fno-sanitize-coverage=trace-cmp)
    set(ZS_ORACLE_FUZZ_FLAGS ${zs_no_coverage})
  endif()
elseif(NOT ZS_FUZZ_ENGINE STREQUAL "none")
  message(FATAL_ERROR "unknown ZS_FUZZ_ENGINE=${ZS_FUZZ_ENGINE}")
endif()
