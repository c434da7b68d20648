# Test helpers shared by every folder.
#
# zs_test_command(<out-var> <executable> [args...]) gives the command line
# ctest runs: under valgrind memcheck in the valgrind flavour, as is
# otherwise.
function(zs_test_command out exe)
  if(ZS_VALGRIND)
    set(${out} ${ZS_VALGRIND_EXE} --quiet --error-exitcode=99
        --leak-check=full --errors-for-leak-kinds=definite
        --track-origins=yes --child-silent-after-fork=no
        $<TARGET_FILE:${exe}> ${ARGN} PARENT_SCOPE)
  else()
    set(${out} $<TARGET_FILE:${exe}> ${ARGN} PARENT_SCOPE)
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
