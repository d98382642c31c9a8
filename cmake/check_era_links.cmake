# Install-time step (included by the install script when SCHELK_INSTALL_ERA_LINKS is ON): refuses
# to install the era_* links over a file schelk did not create. A file there that is not a symlink
# to "schelk" belongs to someone else, typically thin-provisioning-tools' era_dump: replacing it
# would change what that package's users run. Expects SCHELK_ERA_LINK_DIR (the install directory,
# DESTDIR applied) and SCHELK_ERA_LINKS (the names); checks all before any is created.
foreach(name IN LISTS SCHELK_ERA_LINKS)
  set(path "${SCHELK_ERA_LINK_DIR}/${name}")
  if(IS_SYMLINK "${path}")
    file(READ_SYMLINK "${path}" target)
    if(target STREQUAL "schelk")
      continue()  # made by an earlier install of schelk
    endif()
  elseif(NOT EXISTS "${path}")
    continue()
  endif()
  message(FATAL_ERROR "${path} exists and was not installed by schelk (it is not a symlink to "
                      "schelk); nothing replaced. Remove it if it should go, or configure with "
                      "-DSCHELK_INSTALL_ERA_LINKS=OFF and call schelk's tools as 'schelk era-*'.")
endforeach()
