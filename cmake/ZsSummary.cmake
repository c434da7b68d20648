# The configure summary: each part says what it built or left out and why,
# so a build without some optional dependency is never a silent surprise.
#
# zs_summary(<part> <text...>) records one line; zs_print_summary() prints
# them all at the end of the top-level configure.
function(zs_summary part)
  string(JOIN " " text ${ARGN})
  set_property(GLOBAL APPEND PROPERTY ZS_SUMMARY_LINES "${part}|${text}")
endfunction()

function(zs_print_summary)
  get_property(lines GLOBAL PROPERTY ZS_SUMMARY_LINES)
  message(STATUS "")
  message(STATUS "${PROJECT_NAME} ${PROJECT_VERSION}: configure summary")
  set(werror "off")
  if(ZS_WERROR)
    set(werror "on")
  endif()
  message(STATUS "  build             ${CMAKE_BUILD_TYPE}, "
    "${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION}, -Werror ${werror}")
  foreach(line IN LISTS lines)
    string(FIND "${line}" "|" bar)
    string(SUBSTRING "${line}" 0 ${bar} part)
    math(EXPR bar "${bar} + 1")
    string(SUBSTRING "${line}" ${bar} -1 text)
    string(LENGTH "${part}" len)
    set(pad "")
    if(len LESS 18)
      math(EXPR n "18 - ${len}")
      string(REPEAT " " ${n} pad)
    endif()
    message(STATUS "  ${part}${pad}${text}")
  endforeach()
  message(STATUS "")
endfunction()
