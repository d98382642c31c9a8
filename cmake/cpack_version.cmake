# CPACK_PROJECT_CONFIG_FILE: read by cpack when it runs. The package version is the project
# version, plus the revision the build wrote into CPACK_SCHELK_REVISION_HEADER
# (cmake/write_revision.cmake) when there is one, in Debian's syntax: "0.2.0+gd01de99.dirty".
set(revision "")
if(EXISTS "${CPACK_SCHELK_REVISION_HEADER}")
  file(STRINGS "${CPACK_SCHELK_REVISION_HEADER}" line REGEX "SCHELK_BUILD_REVISION")
  if(line MATCHES "\"([^\"]*)\"")
    set(revision "${CMAKE_MATCH_1}")
  endif()
endif()
if(revision)
  string(REGEX REPLACE "[^A-Za-z0-9.+~]" "." revision "${revision}")
  if(revision MATCHES "^[0-9a-f]+(\\.dirty)?$")  # a bare abbreviated commit, no tag
    set(revision "g${revision}")
  endif()
  set(CPACK_PACKAGE_VERSION "${CPACK_PACKAGE_VERSION}+${revision}")
  set(CPACK_DEBIAN_PACKAGE_VERSION "${CPACK_PACKAGE_VERSION}")
endif()
