# What `cmake --install <build> --prefix P` puts under P, and the test that
# a consumer can build against it.
#
#   include/            the public headers of core/include (zsmalloc.h, ...)
#   lib/                libzsmalloc.a, libzsmalloc.so -> .so.0 -> .so.0.1.0
#   lib/pkgconfig/      zsmalloc.pc
#   lib/cmake/zsmalloc/ find_package(zsmalloc CONFIG): zsmalloc::zsmalloc is
#                       the shared library, zsmalloc::zsmalloc_static the
#                       static one
#   bin/                zstore-cli, when zstore is built (zstore/)
#
# The zstore library itself is not installed: it is the CLI's engine, and
# its LZ4/zstd dependencies would have to become part of the package.
include(CMakePackageConfigHelpers)

set(ZS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/zsmalloc)
set(ZS_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(TARGETS zsmalloc_shared zsmalloc EXPORT zsmallocTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# core/include holds public headers only (docs: DESIGN.md); the install
# test checks that each compiles on its own from the installed tree.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

install(EXPORT zsmallocTargets NAMESPACE zsmalloc::
  DESTINATION ${ZS_CMAKE_DIR})
configure_file(${CMAKE_CURRENT_LIST_DIR}/zsmallocConfig.cmake.in
  ${PROJECT_BINARY_DIR}/zsmallocConfig.cmake @ONLY)
# 0.x releases share SONAME libzsmalloc.so.0, so 0.y satisfies 0.x.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/zsmallocConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/zsmallocConfig.cmake
  ${PROJECT_BINARY_DIR}/zsmallocConfigVersion.cmake
  DESTINATION ${ZS_CMAKE_DIR})

# zsmalloc.pc finds its prefix from its own place (${pcfiledir}), so the
# installed tree can be moved; absolute install dirs stay absolute.
function(zs_pc_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
if(IS_ABSOLUTE "${ZS_PKGCONFIG_DIR}")
  set(ZS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _up /root/${ZS_PKGCONFIG_DIR} /root)
  string(REGEX REPLACE "/$" "" _up "${_up}")
  set(ZS_PC_PREFIX "\${pcfiledir}/${_up}")
endif()
zs_pc_dir(ZS_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
zs_pc_dir(ZS_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/zsmalloc.pc.in
  ${PROJECT_BINARY_DIR}/zsmalloc.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/zsmalloc.pc DESTINATION ${ZS_PKGCONFIG_DIR})

set(_installs "libzsmalloc.a, libzsmalloc.so.${PROJECT_VERSION_MAJOR}, headers, zsmalloc.pc, CMake package")
if(TARGET zstore-cli)
  string(APPEND _installs ", zstore-cli")
endif()
zs_summary(install "${_installs} (cmake --install <build> --prefix P)")

# The install test (label "install"): install this tree into
# <build>/install-check/prefix, then build examples/ against it with
# find_package and with pkg-config, run both and check the SONAME. Only in
# plain flavours: sanitizer, coverage and fuzzing flags are the build's own
# and a consumer would have to repeat them.
if(NOT ZS_SANITIZE STREQUAL "none" OR ZS_COVERAGE OR ZS_VALGRIND
   OR NOT ZS_FUZZ_ENGINE STREQUAL "none")
  zs_summary("install test" "not in this flavour (sanitizer, coverage or fuzzing flags)")
  return()
endif()
set(_zstore_cli 0)
if(TARGET zstore-cli)
  set(_zstore_cli 1)
endif()
set(_check ${PROJECT_SOURCE_DIR}/examples/check-install.sh)
set(_env
  "ZS_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
  "ZS_BUILD_DIR=${PROJECT_BINARY_DIR}"
  "ZS_CHECK_DIR=${PROJECT_BINARY_DIR}/install-check"
  "ZS_CONFIG=$<CONFIG>"
  "ZS_LIBDIR=${CMAKE_INSTALL_LIBDIR}"
  "ZS_INCLUDEDIR=${CMAKE_INSTALL_INCLUDEDIR}"
  "ZS_BINDIR=${CMAKE_INSTALL_BINDIR}"
  "ZS_VERSION=${PROJECT_VERSION}"
  "ZS_SOVERSION=${PROJECT_VERSION_MAJOR}"
  "ZS_ZSTORE_CLI=${_zstore_cli}"
  "CMAKE=${CMAKE_COMMAND}"
  "CMAKE_GENERATOR=${CMAKE_GENERATOR}"
  "CC=${CMAKE_C_COMPILER}"
  "READELF=${CMAKE_READELF}")
add_test(NAME install_tree COMMAND bash ${_check} install)
add_test(NAME install_find_package COMMAND bash ${_check} find-package)
add_test(NAME install_pkg_config COMMAND bash ${_check} pkg-config)
set_tests_properties(install_tree PROPERTIES FIXTURES_SETUP zs_installed)
set_tests_properties(install_find_package install_pkg_config PROPERTIES
  FIXTURES_REQUIRED zs_installed)
# 77: a tool the check needs (pkg-config, readelf) is not installed.
set_tests_properties(install_tree install_find_package install_pkg_config
  PROPERTIES LABELS install TIMEOUT 300 ENVIRONMENT "${_env}"
  SKIP_RETURN_CODE 77)
zs_summary("install test" "yes: ctest -L install")
