# Install-time step (included by the install script before schelk or its debug info is
# installed): splits BINARY into
#   BINARY.stripped                        what is installed as <prefix>/sbin/schelk: no symbols,
#                                          no debug info, a .gnu_debuglink to the file below
#   DEBUG_DIR/.build-id/NN/REST.debug      the debug info, where gdb looks for it by build id
#                                          under /usr/lib/debug (installed to <prefix>/lib/debug)
# It does nothing when BINARY.stripped is newer than BINARY (both components call it). DEBUG_DIR
# is emptied first, so it holds only the current binary's file.
# Expects BINARY, DEBUG_DIR, OBJCOPY and READELF to be set.
if(NOT "${BINARY}" IS_NEWER_THAN "${BINARY}.stripped" AND IS_DIRECTORY "${DEBUG_DIR}")
  return()
endif()
execute_process(COMMAND "${READELF}" -n "${BINARY}" OUTPUT_VARIABLE notes
                COMMAND_ERROR_IS_FATAL ANY)
if(NOT notes MATCHES "Build ID: ([0-9a-f][0-9a-f])([0-9a-f]+)")
  message(FATAL_ERROR "${BINARY} has no GNU build id (link with -Wl,--build-id): the debug file "
                      "could not be named")
endif()
set(debug_file "${DEBUG_DIR}/.build-id/${CMAKE_MATCH_1}/${CMAKE_MATCH_2}.debug")
file(REMOVE_RECURSE "${DEBUG_DIR}")
get_filename_component(debug_parent "${debug_file}" DIRECTORY)
file(MAKE_DIRECTORY "${debug_parent}")
execute_process(COMMAND "${OBJCOPY}" --only-keep-debug --compress-debug-sections "${BINARY}"
                        "${debug_file}"
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${OBJCOPY}" --strip-all "--add-gnu-debuglink=${debug_file}" "${BINARY}"
                        "${BINARY}.stripped"
                COMMAND_ERROR_IS_FATAL ANY)
