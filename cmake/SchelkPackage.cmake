# CPack: `cpack -G DEB` in the build directory makes
#   schelk_<version>_<arch>.deb          the binary (component "runtime")
#   schelk-dbgsym_<version>_<arch>.deb   its debug info under /usr/lib/debug/.build-id (as
#                                        Debian's -dbgsym packages)
# <version> is the project version plus the build's git describe (cmake/cpack_version.cmake).
set(CPACK_PACKAGE_NAME schelk)
set(CPACK_PACKAGE_VENDOR "schelk")
set(CPACK_PACKAGE_CONTACT "schelk maintainers <schelk@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "puts a block device back to a known baseline in seconds (dm-era)")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES OFF)  # installed stripped already, with the debug info split off

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime debug)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME schelk)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_DEBUG_PACKAGE_NAME schelk-dbgsym)
set(CPACK_DEBIAN_DEBUG_PACKAGE_SECTION debug)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)  # schelk-dbgsym depends on schelk (= version)

# Depends: dpkg-shlibdeps finds what the binary links (libc6; libstdc++, Boost, liburing, xxhash,
# expat and nettle are linked statically). libdevmapper, libmount and libblkid are loaded with
# dlopen at first use (src/dl/), which dpkg-shlibdeps cannot see, so they are declared here: the
# workflow commands fail without them. e2fsprogs gives mkfs.ext4, which init-new runs.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libdevmapper1.02.1, libmount1, libblkid1, e2fsprogs")
set(CPACK_DEBIAN_DEBUG_PACKAGE_SHLIBDEPS OFF)  # debug info only: nothing to run

# The package version follows the build, read when cpack runs (not when cmake configures).
set(CPACK_SCHELK_REVISION_HEADER ${SCHELK_REVISION_HEADER})
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/cmake/cpack_version.cmake)

include(CPack)
# A component's DESCRIPTION is its package's Description: the summary line, then the long text.
cpack_add_component(runtime DISPLAY_NAME "schelk" DESCRIPTION
  "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}
schelk keeps a pristine baseline volume and a scratch volume, tracks the blocks written to
scratch with the kernel's dm-era target and copies only those back, so that benchmarks with
large on-disk state can run, roll back and run again. The same binary provides the dm-era tools
of thin-provisioning-tools as 'schelk era-dump', 'schelk era-invalidate' and so on.")
cpack_add_component(debug DISPLAY_NAME "schelk debug info" DEPENDS runtime DESCRIPTION
  "debug symbols for schelk
The debug info of /usr/sbin/schelk, found by gdb through its build id.")
