# Helpers that give every target of the project the same flags, install rules and export.

set(AWSFOTA_WARNINGS -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough -Winvalid-pch -Werror
    # C++20 designated initializers that leave members at their defaults are the intended style.
    -Wno-missing-field-initializers)
# In a unity build GCC takes a source's anonymous-namespace types for a header's and warns when a test
# fixture's class derives from one.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(AWSFOTA_UNITY_WARNINGS -Wno-subobject-linkage)
endif()

# Flags for any target of ours (libraries, programs, tests).
function(awsfota_target_defaults target)
  target_compile_options(${target} PRIVATE ${AWSFOTA_WARNINGS})
endfunction()

# awsfota_add_layer(NAME jobs SOURCES a.cpp b.cpp [PUBLIC_DEPS ...] [PRIVATE_DEPS ...] [PC_REQUIRES ...])
# Makes the static library awsfota_<NAME> (alias awsfota::<NAME>), exported and installed, and adds it
# to the umbrella target awsfota::awsfota and to the pkg-config file.
function(awsfota_add_layer)
  cmake_parse_arguments(L "" "NAME" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS;PC_REQUIRES" ${ARGN})
  set(target awsfota_${L_NAME})
  add_library(${target} STATIC ${L_SOURCES})
  add_library(awsfota::${L_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${L_NAME} OUTPUT_NAME awsfota_${L_NAME})
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${L_PUBLIC_DEPS} PRIVATE ${L_PRIVATE_DEPS})
  awsfota_target_defaults(${target})
  install(TARGETS ${target} EXPORT awsfotaTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
  set_property(GLOBAL APPEND PROPERTY AWSFOTA_LAYERS ${target})
  set_property(GLOBAL APPEND PROPERTY AWSFOTA_PC_REQUIRES ${L_PC_REQUIRES})
endfunction()

# One precompiled header for every test target: GoogleTest, GoogleMock and nlohmann-json cost about
# 2.5 s of parsing in each test source, against 1 s to load the PCH. The test targets reuse it, so
# their flags must match this target's (the same warnings, no per-target -D); -Winvalid-pch with
# -Werror turns a mismatch into a build error instead of a silent slowdown.
function(awsfota_test_pch_target)
  if(TARGET awsfota_test_pch)
    return()
  endif()
  # An executable, as the tests are: -fPIE, not a library's -fPIC, or GCC refuses the header.
  file(WRITE ${PROJECT_BINARY_DIR}/awsfota_test_pch.cpp "int main() { return 0; }  // only the PCH's host\n")
  add_executable(awsfota_test_pch ${PROJECT_BINARY_DIR}/awsfota_test_pch.cpp)
  target_link_libraries(awsfota_test_pch PRIVATE GTest::gtest GTest::gmock nlohmann_json::nlohmann_json)
  target_include_directories(awsfota_test_pch PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_precompile_headers(awsfota_test_pch PRIVATE
    <gtest/gtest.h> <gmock/gmock.h> <nlohmann/json.hpp>
    <chrono> <filesystem> <functional> <map> <memory> <optional> <string> <thread> <vector>)
  awsfota_target_defaults(awsfota_test_pch)
  target_compile_options(awsfota_test_pch PRIVATE ${AWSFOTA_UNITY_WARNINGS})
endfunction()

# awsfota_add_test(NAME SOURCES ... LIBS ...): a GoogleTest executable whose cases ctest lists one by one.
function(awsfota_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS;PROPERTIES" ${ARGN})
  awsfota_test_pch_target()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} awsfota_test_paths GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_precompile_headers(${name} REUSE_FROM awsfota_test_pch)
  # Always a unity build: a test program's sources share GoogleTest's and nlohmann-json's templates,
  # and compiling them together halves the suite's build. Names private to a test source must
  # therefore differ from those of the other sources of its program.
  set_target_properties(${name} PROPERTIES UNITY_BUILD ON)
  awsfota_target_defaults(${name})
  target_compile_options(${name} PRIVATE ${AWSFOTA_UNITY_WARNINGS})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  # gtest_discover_tests passes PROPERTIES on as a flat list, so only one label survives as a label
  # (a second one would be read as a property name).
  list(LENGTH T_LABELS label_count)
  if(label_count GREATER 1)
    message(FATAL_ERROR "awsfota_add_test(${name}): one label only, got ${T_LABELS}")
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${T_LABELS}" TIMEOUT 300 ${T_PROPERTIES})
endfunction()

# The umbrella target, the CMake package and the pkg-config file, made once all layers exist.
function(awsfota_install_package)
  include(CMakePackageConfigHelpers)
  get_property(layers GLOBAL PROPERTY AWSFOTA_LAYERS)
  get_property(pc_requires GLOBAL PROPERTY AWSFOTA_PC_REQUIRES)
  add_library(awsfota INTERFACE)
  add_library(awsfota::awsfota ALIAS awsfota)
  target_link_libraries(awsfota INTERFACE ${layers})
  install(TARGETS awsfota EXPORT awsfotaTargets COMPONENT dev)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/awsfota DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
  install(EXPORT awsfotaTargets NAMESPACE awsfota:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awsfota COMPONENT dev)
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/awsfotaConfig.cmake.in
    ${PROJECT_BINARY_DIR}/awsfotaConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awsfota)
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/awsfotaConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/awsfotaConfig.cmake ${PROJECT_BINARY_DIR}/awsfotaConfigVersion.cmake
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awsfota COMPONENT dev)

  # Static libraries: list them dependents first so the linker resolves every symbol.
  set(pc_libs "")
  list(REVERSE layers)
  foreach(l IN LISTS layers)
    string(APPEND pc_libs " -l${l}")
  endforeach()
  list(REMOVE_DUPLICATES pc_requires)
  list(JOIN pc_requires " " AWSFOTA_PC_REQUIRES_PRIVATE)
  set(AWSFOTA_PC_LIBS "${pc_libs}")
  # Relocatable: the prefix is found from where the .pc file sits, so an install with
  # `cmake --install --prefix DIR` (or a copied tree) still points at its own headers and libraries.
  file(RELATIVE_PATH pc_to_prefix "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  string(REGEX REPLACE "/$" "" pc_to_prefix "${pc_to_prefix}")
  set(AWSFOTA_PC_PREFIX "\${pcfiledir}/${pc_to_prefix}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/awsfota.pc.in ${PROJECT_BINARY_DIR}/awsfota.pc @ONLY)
  # The C API's (include/awsfota/aws_fota.h): the same libraries, flags a C compiler takes.
  configure_file(${PROJECT_SOURCE_DIR}/cmake/awsfota-c.pc.in ${PROJECT_BINARY_DIR}/awsfota-c.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/awsfota.pc ${PROJECT_BINARY_DIR}/awsfota-c.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
endfunction()
