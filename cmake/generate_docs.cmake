# Writes the man page and the completion scripts that `schelk` generates from its command tables
# (src/workflow/help_doc.hpp) into DOC_DIR. Run with -DSCHELK=<binary> -DDOC_DIR=<dir> -P, at
# build time (target schelk_docs) and again at install time, from whatever the binary is then.
file(MAKE_DIRECTORY "${DOC_DIR}")
foreach(pair "--man;schelk.8" "--bash-completion;schelk.bash" "--zsh-completion;_schelk")
  list(GET pair 0 option)
  list(GET pair 1 file)
  execute_process(COMMAND "${SCHELK}" ${option} OUTPUT_FILE "${DOC_DIR}/${file}"
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${SCHELK} ${option} failed (${status})")
  endif()
endforeach()
