// The dlopen loaders: real libraries bind, failures name the library and the symbol, and the
// built schelk does not load libdevmapper, libmount or libblkid at startup.
#include "src/dl/shared_library.hpp"

#include <dlfcn.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "src/dl/blkid_api.hpp"
#include "src/dl/devmapper_api.hpp"
#include "src/dl/libmount_api.hpp"

using namespace schelk;
using Catch::Matchers::Contains;

TEST_CASE("the three libraries load and every function binds") {
  const DevmapperApi& dm = devmapper_api();
  CHECK(dm.dm_task_create != nullptr);
  CHECK(dm.dm_get_next_target != nullptr);
  // The version the header's struct dm_info belongs to, as the linker would have picked.
  void* h = ::dlopen("libdevmapper.so.1.02.1", RTLD_NOW | RTLD_NOLOAD);
  REQUIRE(h != nullptr);
  CHECK(reinterpret_cast<void*>(dm.dm_task_get_info) ==
        ::dlvsym(h, "dm_task_get_info", "DM_1_02_97"));
  ::dlclose(h);
  CHECK(libmount_api().mnt_context_mount != nullptr);
  CHECK(blkid_api().blkid_do_safeprobe != nullptr);
  CHECK(&devmapper_api() == &dm);  // loaded once
}

TEST_CASE("a missing library is one line naming it and what it is for") {
  try {
    SharedLibrary lib("libschelk-no-such.so.7", "testing");
    FAIL("loaded");
  } catch (const LibraryError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Contains("Cannot load libschelk-no-such.so.7 (needed for testing)"));
    CHECK(what.find('\n') == std::string::npos);
  }
}

TEST_CASE("a missing symbol names the symbol and the library") {
  const SharedLibrary lib("libblkid.so.1", "testing");
  CHECK(lib.function<void (*)()>("blkid_do_safeprobe") != nullptr);
  CHECK_THROWS_WITH(lib.function<void (*)()>("schelk_no_such_symbol"),
                    Contains("Cannot find schelk_no_such_symbol in libblkid.so.1 (needed for "
                             "testing)"));
}

TEST_CASE("schelk does not link libdevmapper, libmount or libblkid") {
  FILE* p = ::popen(("readelf -d '" + std::string(SCHELK_BINARY) + "' 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  if (status != 0) {
    FAIL("readelf (binutils) failed or is missing: " << out);
  }
  REQUIRE_THAT(out, Contains("(NEEDED)"));
  CHECK_THAT(out, !Contains("libdevmapper"));
  CHECK_THAT(out, !Contains("libmount"));
  CHECK_THAT(out, !Contains("libblkid"));
  CHECK_THAT(out, !Contains("libboost"));
}
