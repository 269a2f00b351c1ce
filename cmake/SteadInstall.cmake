# `cmake --install`: the CMake package (SteadConfig.cmake), pkg-config files and the Debian
# packages (CPack). Included from the top-level CMakeLists.txt when STEAD_INSTALL is on.
#
# Install components, which are also the two .deb packages:
#   runtime  -> package `stead`:     bin/stead and libstead_proto.so.<major> (which it links)
#   dev      -> package `stead-dev`: headers, static libraries, the .so link, CMake and
#                                    pkg-config files
include(CMakePackageConfigHelpers)

set(STEAD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Stead)

# Relative RPATH: an install into any prefix (a temporary one in tests/package, the scratch
# root a .deb is unpacked into, /usr) finds its own libstead_proto.so.
set_target_properties(stead PROPERTIES
  EXPORT_NAME stead_cli
  INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")

set(stead_archives)
foreach(name ${STEAD_PUBLIC_TARGETS} ${STEAD_INTERNAL_TARGETS})
  list(APPEND stead_archives stead_${name})
endforeach()

install(TARGETS stead EXPORT SteadTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(FILES $<TARGET_FILE_DIR:stead>/stead-test-server DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS stead_proto EXPORT SteadTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev)
install(TARGETS ${stead_archives} stead_umbrella EXPORT SteadTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)

# Public headers as they are in the tree, the generated version.h, and the generated protos
# the public headers include (all of them: the .pb.h files include one another).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/stead DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT dev FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/stead/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/stead COMPONENT dev)
install(DIRECTORY ${STEAD_PROTO_GEN_DIR}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/stead/proto
  COMPONENT dev FILES_MATCHING PATTERN "*.h")

# --- CMake package -------------------------------------------------------------------------
install(EXPORT SteadTargets NAMESPACE Stead:: DESTINATION ${STEAD_CMAKE_DIR} COMPONENT dev)

# SteadConfig.cmake finds each dependency the way this build found it (CMakeLists.txt,
# src/http/CMakeLists.txt); these tell it which optional adapters were built.
set(STEAD_WITH_HTTPLIB OFF)
set(STEAD_WITH_BEAST OFF)
if(TARGET stead_http_httplib)
  set(STEAD_WITH_HTTPLIB ON)
endif()
if(TARGET stead_http_beast)
  set(STEAD_WITH_BEAST ON)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/SteadConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/SteadConfig.cmake INSTALL_DESTINATION ${STEAD_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/SteadConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/SteadConfig.cmake ${PROJECT_BINARY_DIR}/cmake/SteadConfigVersion.cmake
  DESTINATION ${STEAD_CMAKE_DIR} COMPONENT dev)

# --- pkg-config ----------------------------------------------------------------------------
# One .pc file per public target (stead-client.pc, stead-worker.pc, stead-server.pc,
# stead-http*.pc, stead.pc for everything), generated from the targets' own link lists so it
# cannot drift from the CMake build. Each file is flat: Libs lists every Stead archive the
# target needs, in link order, and Requires names each external module once. (Per-library
# files requiring one another made pkg-config repeat gRPC's ~90 abseil flags once per path,
# over 1,000 words, and GNU ld then took a minute to link.) The libraries are static archives,
# so dependencies go into Requires/Libs, not .private: a consumer links them without --static.
set(stead_pc_external
  "protobuf::libprotobuf=protobuf" "gRPC::grpc++=grpc++" "PkgConfig::SQLITE3=sqlite3"
  "nlohmann_json::nlohmann_json=nlohmann_json" "OpenSSL::Crypto=libcrypto" "ZLIB::ZLIB=zlib"
  "re2::re2=re2" "PkgConfig::CPPHTTPLIB=cpp-httplib")
# Header-only or flag-only dependencies with no .pc file of their own.
set(stead_pc_flags "Threads::Threads=-pthread" "Boost::headers=")

# Collects, into global properties, what linking `target` takes: STEAD_PC_LIBS_<target> (Stead
# archive names, each before the ones it depends on), STEAD_PC_MODULES_<target> (external
# pkg-config modules) and STEAD_PC_FLAGS_<target>.
function(stead_pc_collect target)
  get_property(done GLOBAL PROPERTY STEAD_PC_DONE_${target})
  if(done)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(deps ${target} INTERFACE_LINK_LIBRARIES)
    set(libs "")
  else()
    get_target_property(deps ${target} LINK_LIBRARIES)
    set(libs ${target})
  endif()
  set(modules "")
  set(flags "")
  foreach(dep ${deps})
    if(TARGET ${dep} AND dep MATCHES "^stead_")
      stead_pc_collect(${dep})
      get_property(dep_libs GLOBAL PROPERTY STEAD_PC_LIBS_${dep})
      get_property(dep_modules GLOBAL PROPERTY STEAD_PC_MODULES_${dep})
      get_property(dep_flags GLOBAL PROPERTY STEAD_PC_FLAGS_${dep})
      list(APPEND libs ${dep_libs})
      list(APPEND modules ${dep_modules})
      list(APPEND flags ${dep_flags})
      continue()
    endif()
    set(handled OFF)
    foreach(pair ${stead_pc_external})
      string(REGEX MATCH "^([^=]+)=(.*)$" _ "${pair}")
      if(dep STREQUAL CMAKE_MATCH_1)
        list(APPEND modules ${CMAKE_MATCH_2})
        set(handled ON)
      endif()
    endforeach()
    foreach(pair ${stead_pc_flags})
      string(REGEX MATCH "^([^=]+)=(.*)$" _ "${pair}")
      if(dep STREQUAL CMAKE_MATCH_1)
        list(APPEND flags ${CMAKE_MATCH_2})
        set(handled ON)
      endif()
    endforeach()
    if(NOT handled)
      # A new dependency must be mapped above, or the .pc file would silently miss it.
      message(FATAL_ERROR "cmake/SteadInstall.cmake: no pkg-config name for ${dep} (linked by ${target}); add it to stead_pc_external or stead_pc_flags")
    endif()
  endforeach()
  # Keep the last occurrence of an archive: it then follows every archive that needs it.
  list(REVERSE libs)
  list(REMOVE_DUPLICATES libs)
  list(REVERSE libs)
  list(REMOVE_DUPLICATES modules)
  list(REMOVE_DUPLICATES flags)
  set_property(GLOBAL PROPERTY STEAD_PC_LIBS_${target} "${libs}")
  set_property(GLOBAL PROPERTY STEAD_PC_MODULES_${target} "${modules}")
  set_property(GLOBAL PROPERTY STEAD_PC_FLAGS_${target} "${flags}")
  set_property(GLOBAL PROPERTY STEAD_PC_DONE_${target} TRUE)
endfunction()

function(stead_write_pc target pc description)
  stead_pc_collect(${target})
  get_property(libs GLOBAL PROPERTY STEAD_PC_LIBS_${target})
  get_property(modules GLOBAL PROPERTY STEAD_PC_MODULES_${target})
  get_property(flags GLOBAL PROPERTY STEAD_PC_FLAGS_${target})
  list(TRANSFORM libs PREPEND "-l")
  string(JOIN " " libs "-L\${libdir}" ${libs} ${flags})
  string(JOIN ", " requires ${modules})
  # ${pcfiledir}-relative prefix: the same file works in /usr and in any other prefix.
  file(RELATIVE_PATH to_prefix "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  string(REGEX REPLACE "/$" "" to_prefix "${to_prefix}")
  # -isystem for the generated protos: they warn (deprecated enum values) under -Wall.
  file(WRITE ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc
"prefix=\${pcfiledir}/${to_prefix}
includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}
libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}

Name: ${pc}
Description: ${description} (C++20: compile with -std=c++20 or later)
Version: ${PROJECT_VERSION}
Requires: ${requires}
Cflags: -I\${includedir} -isystem \${includedir}/stead/proto
Libs: ${libs}
")
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
endfunction()

file(REMOVE_RECURSE ${PROJECT_BINARY_DIR}/pkgconfig)
stead_write_pc(stead_client stead-client "Stead C++ SDK client")
stead_write_pc(stead_worker stead-worker "Stead C++ SDK worker")
stead_write_pc(stead_server stead-server "Stead embedded server")
stead_write_pc(stead_testing stead-testing "Stead testing kit (time-skipping test environments)")
stead_write_pc(stead_http stead-http "Stead web library")
if(TARGET stead_http_beast)
  stead_write_pc(stead_http_beast stead-http-beast "Stead web library, Boost.Beast adapter")
endif()
if(TARGET stead_http_httplib)
  stead_write_pc(stead_http_httplib stead-http-httplib "Stead web library, cpp-httplib adapter")
endif()
stead_write_pc(stead_umbrella stead "Stead: client, worker, embedded server and web library")

# --- Debian packages (cpack -G DEB; scripts/package) --------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME stead)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Durable workflows for C++ services, compatible with Temporal")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
# A .deb always installs under /usr (scripts/package also configures with that prefix, so
# that GNUInstallDirs picks Debian's multiarch libdir).
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
# Without debug info the packages shrink from ~400 MB to a fraction (RelWithDebInfo builds).
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(STEAD_DEB_MAINTAINER "Stead maintainers" CACHE STRING "Maintainer field of the .deb packages")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${STEAD_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME stead)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
  "Stead server: `stead server start-dev`, a Temporal-compatible server on SQLite")
# Depends: from the binaries' needed libraries (dpkg-shlibdeps, in dpkg-dev). Without it an
# explicit list of Debian 12's runtime packages, the ones the build links (CMakeLists.txt).
find_program(STEAD_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(STEAD_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
  # libstead_proto.so.N is in the same package; it gets a shlibs file and the ldconfig trigger.
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_GENERATE_SHLIBS ON)
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY "=")
else()
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS
    "libc6, libstdc++6, libgcc-s1, libgrpc++1.51, libgrpc29, libprotobuf32, libsqlite3-0, libssl3, zlib1g, libre2-9, libcpp-httplib0.11")
endif()

set(CPACK_DEBIAN_DEV_PACKAGE_NAME stead-dev)
set(CPACK_COMPONENT_DEV_DESCRIPTION
  "Stead C++ SDK, embedded server and web library: headers, static libraries, CMake package (find_package(Stead)) and pkg-config files")
# The -dev packages of everything SteadConfig.cmake / the .pc files look for.
# protobuf-compiler-grpc: gRPC's CMake package checks that its grpc_cpp_plugin exists.
set(stead_dev_depends "stead (= ${PROJECT_VERSION})" libgrpc++-dev libprotobuf-dev protobuf-compiler-grpc
  libsqlite3-dev nlohmann-json3-dev libssl-dev zlib1g-dev libre2-dev pkg-config)
if(TARGET stead_http_httplib)
  list(APPEND stead_dev_depends libcpp-httplib-dev)
endif()
if(TARGET stead_http_beast)
  list(APPEND stead_dev_depends libboost1.81-dev)
endif()
string(JOIN ", " CPACK_DEBIAN_DEV_PACKAGE_DEPENDS ${stead_dev_depends})

include(CPack)
