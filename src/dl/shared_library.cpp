// dlopen/dlsym behind SharedLibrary, with one-line errors naming the library and the symbol.
#include "src/dl/shared_library.hpp"

#include <dlfcn.h>

namespace schelk {

SharedLibrary::SharedLibrary(const char* soname, const char* purpose)
    : handle_(::dlopen(soname, RTLD_NOW | RTLD_LOCAL)), soname_(soname), purpose_(purpose) {
  if (!handle_) {
    const char* why = ::dlerror();
    throw LibraryError("Cannot load " + soname_ + " (needed for " + purpose_ +
                       "): " + (why ? why : "unknown error"));
  }
}

void* SharedLibrary::lookup(const char* name) const {
  ::dlerror();  // clear any stale error
  void* p = ::dlsym(handle_, name);
  if (!p) {
    const char* why = ::dlerror();
    throw LibraryError("Cannot find " + std::string(name) + " in " + soname_ + " (needed for " +
                       purpose_ + ")" + (why ? std::string(": ") + why : std::string()));
  }
  return p;
}

}  // namespace schelk
