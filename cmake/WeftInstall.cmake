# Install rules: headers, the static libraries, and a package config so that
# find_package(weft) gives consumers the weft:: targets.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(WEFT_CONFIG_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/weft")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/primitives/include/weft"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.hpp")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/checker/include/weft"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.hpp")

install(TARGETS weft_primitives weft_checker
  EXPORT weftTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(EXPORT weftTargets
  NAMESPACE weft::
  DESTINATION "${WEFT_CONFIG_DIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/weftConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/weftConfig.cmake"
  INSTALL_DESTINATION "${WEFT_CONFIG_DIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/weftConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/weftConfig.cmake"
  "${PROJECT_BINARY_DIR}/weftConfigVersion.cmake"
  DESTINATION "${WEFT_CONFIG_DIR}")
