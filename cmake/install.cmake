# `cmake --install`: libleomesh.so, leomesh.h, the sans-IO core's C++ headers (mesh/ and
# scheduler/), a CMake package (find_package(leomesh): leomesh::c, and leomesh::core for C++
# hosts where Eigen is found) and a pkg-config file (leomesh.pc).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS leomesh_c EXPORT leomeshTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/node/include/leomesh/leomesh.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/leomesh)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/mesh/include/leomesh/mesh ${PROJECT_SOURCE_DIR}/scheduler/include/leomesh/scheduler
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/leomesh)
install(EXPORT leomeshTargets NAMESPACE leomesh:: FILE leomeshTargets.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/leomesh)
# The exported target is leomesh::leomesh_c; hosts use leomesh::c, as inside the project.
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/leomeshConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/leomeshConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/leomesh)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/leomeshConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/leomeshConfig.cmake ${PROJECT_BINARY_DIR}/leomeshConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/leomesh)
# Relocatable: the prefix is found from where the .pc file is (cmake --install --prefix P).
file(RELATIVE_PATH LEOMESH_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" LEOMESH_PC_TO_PREFIX "${LEOMESH_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/leomesh.pc.in ${PROJECT_BINARY_DIR}/leomesh.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/leomesh.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
