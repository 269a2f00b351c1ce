# The public CMake targets, under the names a find_package(Stead) consumer sees.
#
# Stead builds one library per source folder (src/CMakeLists.txt) so that dependency
# direction is a build error to break. Users should not need to know that split; they link:
#
#   Stead::client       stead_client   Client, WorkflowHandle (include/stead/client.h)
#   Stead::worker       stead_worker   Worker, workflow and activity APIs (links client)
#   Stead::server       stead_server   the embedded server (include/stead/server.h)
#   Stead::testing      stead_testing  test environments, time skipping (include/stead/testing.h)
#   Stead::http         stead_http     the web library core (include/stead/http*.h)
#   Stead::http_beast   stead_http_beast    Boost.Beast adapter   (when Boost was found)
#   Stead::http_httplib stead_http_httplib  cpp-httplib adapter  (when cpp-httplib was found)
#   Stead::stead        stead_umbrella (INTERFACE) links all of the above
#
# The folder libraries they depend on are exported too, because static archives must be
# linked with their dependencies, but under names that say they are not an API:
# Stead::internal_common, Stead::internal_history, ... and Stead::proto (the generated
# Temporal protos, a shared library).
#
# In the build tree (and for add_subdirectory/FetchContent users) the same Stead:: names are
# ALIAS targets, so a consumer's CMakeLists.txt is the same either way.

set(STEAD_PUBLIC_TARGETS client worker server testing http)
foreach(adapter http_beast http_httplib)
  if(TARGET stead_${adapter})
    list(APPEND STEAD_PUBLIC_TARGETS ${adapter})
  endif()
endforeach()

set(STEAD_INTERNAL_TARGETS common persistence timers matching visibility history frontend converter)

add_library(stead_umbrella INTERFACE)
foreach(name ${STEAD_PUBLIC_TARGETS})
  set_target_properties(stead_${name} PROPERTIES EXPORT_NAME ${name})
  add_library(Stead::${name} ALIAS stead_${name})
  target_link_libraries(stead_umbrella INTERFACE stead_${name})
endforeach()
foreach(name ${STEAD_INTERNAL_TARGETS})
  set_target_properties(stead_${name} PROPERTIES EXPORT_NAME internal_${name})
endforeach()
set_target_properties(stead_proto PROPERTIES EXPORT_NAME proto)
set_target_properties(stead_umbrella PROPERTIES EXPORT_NAME stead)
add_library(Stead::stead ALIAS stead_umbrella)
# The `stead` executable, as the installed package's Stead::stead_cli imports it.
add_executable(Stead::stead_cli ALIAS stead)
