# Test helpers shared by every folder.

# ZS_TEST_EMULATOR: what runs the test programs, for builds this machine
# may not execute (the m32 flavour on a kernel without IA-32 emulation).
# "auto": nothing when a program built with these flags runs as it is,
# else qemu-i386 (qemu-user).
set(ZS_TEST_EMULATOR "" CACHE STRING "program that runs the test binaries")
set(_zs_emulator "")
if(ZS_TEST_EMULATOR STREQUAL "auto")
  set(_probe ${CMAKE_BINARY_DIR}/zs_run_probe.c)
  # its output, not its status: a program the kernel refuses is handed to
  # /bin/sh by execvp, which may well exit 0
  file(WRITE ${_probe}
    "#include <stdio.h>\nint main(void) { puts(\"zs-runs\"); return 0; }\n")
  try_run(_zs_probe_ran _zs_probe_built ${CMAKE_BINARY_DIR}/zs_run_probe
    ${_probe} RUN_OUTPUT_VARIABLE _zs_probe_out)
  if(NOT _zs_probe_built)
    message(FATAL_ERROR "ZS_TEST_EMULATOR=auto: cannot build a program")
  elseif(NOT "${_zs_probe_out}" MATCHES "zs-runs")
    find_program(ZS_QEMU_I386 qemu-i386)
    if(NOT ZS_QEMU_I386)
      message(FATAL_ERROR "this machine does not run the programs built "
        "here and qemu-i386 is missing (apt-get install qemu-user)")
    endif()
    set(_zs_emulator ${ZS_QEMU_I386})
    message(STATUS "tests run under ${ZS_QEMU_I386}")
  endif()
elseif(ZS_TEST_EMULATOR)
  set(_zs_emulator ${ZS_TEST_EMULATOR})
endif()

# zs_test_command(<out-var> <executable> [args...]) gives the command line
# ctest runs: under valgrind memcheck in the valgrind flavour, through the
# emulator when there is one, as is otherwise.
function(zs_test_command out exe)
  if(ZS_VALGRIND)
    set(${out} ${ZS_VALGRIND_EXE} --quiet --error-exitcode=99
        --leak-check=full --errors-for-leak-kinds=definite
        --track-origins=yes --child-silent-after-fork=no
        $<TARGET_FILE:${exe}> ${ARGN} PARENT_SCOPE)
  else()
    set(${out} ${_zs_emulator} $<TARGET_FILE:${exe}> ${ARGN} PARENT_SCOPE)
  endif()
endfunction()

# Environment for every test: sanitizers fail loudly, abort to give a core.
set(ZS_TEST_ENV
  "ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
  "MSAN_OPTIONS=abort_on_error=1:print_stats=0"
  "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1"
)

# zs_add_kunit_test(NAME n SOURCES s... [LIBS l...] [LABELS x...] [TIMEOUT t])
# builds a KUnit-style test program (kunit-shim runner linked in) and
# registers it with ctest, label "unit" plus any given.
function(zs_add_kunit_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE kunit ${T_LIBS})
  zs_test_command(cmd ${T_NAME} ${T_ARGS})
  add_test(NAME ${T_NAME} COMMAND ${cmd})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES
    LABELS "unit;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "${ZS_TEST_ENV}")
endfunction()
