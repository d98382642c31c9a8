# The version the binary prints: the project version, and the revision from
# `git describe --always --dirty` taken at BUILD time (not configure time: a commit or an edit
# after configuring must show). A custom target regenerates build/generated/schelk_revision.h on
# every build, rewriting it only when its text changes; one small library compiles it.
#   SCHELK_VERSION_DEFINITIONS       compile definitions for the targets that print the version
#   schelk_use_build_revision(tgt)   gives tgt the declaration SCHELK_GIT_SHA names, and links it

set(SCHELK_REVISION_HEADER ${CMAKE_BINARY_DIR}/generated/schelk_revision.h)
add_custom_target(schelk_revision_header
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${SCHELK_REVISION_HEADER}
          -P ${PROJECT_SOURCE_DIR}/cmake/write_revision.cmake
  BYPRODUCTS ${SCHELK_REVISION_HEADER}
  COMMENT "Reading the source revision (git describe)"
  VERBATIM)

add_library(schelk_build_revision STATIC ${PROJECT_SOURCE_DIR}/cmake/build_revision.cpp)
target_include_directories(schelk_build_revision PRIVATE ${CMAKE_BINARY_DIR}/generated)
add_dependencies(schelk_build_revision schelk_revision_header)

set(SCHELK_VERSION_DEFINITIONS SCHELK_VERSION="${PROJECT_VERSION}"
                               SCHELK_GIT_SHA=schelk::kBuildRevision)

function(schelk_use_build_revision target)
  target_compile_options(${target} PRIVATE
                         "SHELL:-include ${PROJECT_SOURCE_DIR}/cmake/build_revision.hpp")
  target_link_libraries(${target} PRIVATE schelk_build_revision)
endfunction()
