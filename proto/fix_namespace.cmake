# Rewrites generated C++ so the proto package temporal.api.namespace.v1 compiles:
# `namespace namespace {` -> `namespace namespace_ {`, `api::namespace::` -> `api::namespace_::`.
string(REPLACE "|" ";" FILES "${FILES}")  # list passed with | separators
foreach(f ${FILES})
  if(EXISTS ${f})
    file(READ ${f} text)
    string(REPLACE "namespace namespace {" "namespace namespace_ {" text "${text}")
    string(REPLACE "api::namespace::" "api::namespace_::" text "${text}")
    file(WRITE ${f} "${text}")
  endif()
endforeach()
