# What `cmake --install` puts where (component "runtime" unless said otherwise):
#   <prefix>/sbin/schelk                     stripped, with a .gnu_debuglink
#   <prefix>/lib/debug/.build-id/NN/*.debug  its debug info (component "debug")
#   <prefix>/sbin/era_{check,dump,invalidate,restore} -> schelk
#                                            only with -DSCHELK_INSTALL_ERA_LINKS=ON, and never
#                                            over a file that is not such a link (the install
#                                            fails instead); listed in install_manifest.txt
# The binary is split when installed (cmake/split_debug.cmake, into build/schelk.stripped and
# build/debug), from whatever build/schelk is then, so a stale split is never installed.
include(GNUInstallDirs)
option(SCHELK_INSTALL_ERA_LINKS
       "Install era_check/era_dump/era_invalidate/era_restore as links to schelk (they would take the names of thin-provisioning-tools' tools)"
       OFF)

find_program(SCHELK_READELF NAMES readelf HINTS ${CMAKE_READELF})
if(NOT CMAKE_OBJCOPY OR NOT SCHELK_READELF)
  message(FATAL_ERROR "objcopy and readelf (binutils) are needed to install a stripped binary")
endif()
set(SCHELK_DEBUG_DIR ${CMAKE_BINARY_DIR}/debug)
set(split_debug "
  set(BINARY \"$<TARGET_FILE:schelk>\")
  set(DEBUG_DIR \"${SCHELK_DEBUG_DIR}\")
  set(OBJCOPY \"${CMAKE_OBJCOPY}\")
  set(READELF \"${SCHELK_READELF}\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/split_debug.cmake\")")
install(CODE "${split_debug}" COMPONENT runtime)
install(PROGRAMS $<TARGET_FILE:schelk>.stripped DESTINATION ${CMAKE_INSTALL_SBINDIR}
        RENAME schelk COMPONENT runtime)
install(CODE "${split_debug}" COMPONENT debug)
install(DIRECTORY ${SCHELK_DEBUG_DIR}/ DESTINATION lib/debug  # where gdb looks, multiarch or not
        COMPONENT debug)

if(SCHELK_INSTALL_ERA_LINKS)
  # The era tools are the same binary under another name, as in thin-provisioning-tools. The links
  # are made here and installed with file(INSTALL), which copies a symlink as a symlink, honours
  # DESTDIR and records it in install_manifest.txt.
  set(era_links era_check era_dump era_invalidate era_restore)
  set(link_dir ${CMAKE_BINARY_DIR}/era_links)
  file(MAKE_DIRECTORY ${link_dir})
  set(link_files "")
  foreach(name IN LISTS era_links)
    file(CREATE_LINK schelk ${link_dir}/${name} SYMBOLIC)
    list(APPEND link_files ${link_dir}/${name})
  endforeach()
  if(IS_ABSOLUTE "${CMAKE_INSTALL_SBINDIR}")
    set(link_dest "${CMAKE_INSTALL_SBINDIR}")
  else()
    set(link_dest "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}")
  endif()
  install(CODE "
    set(SCHELK_ERA_LINK_DIR \"\$ENV{DESTDIR}${link_dest}\")
    set(SCHELK_ERA_LINKS \"${era_links}\")
    include(\"${PROJECT_SOURCE_DIR}/cmake/check_era_links.cmake\")
    file(INSTALL DESTINATION \"${link_dest}\" TYPE FILE FILES ${link_files})"
    COMPONENT runtime)
endif()
