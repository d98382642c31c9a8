// A shared library opened with dlopen when a command first needs it, so that plain runs (the era
// tools, --help) do not pay for loading libdevmapper, libmount and libblkid with their
// dependencies. Functions are looked up by name and typed from the library's own header.
#pragma once

#include <stdexcept>
#include <string>

namespace schelk {

// A library or one of its symbols could not be loaded; the message names both.
class LibraryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SharedLibrary {
 public:
  // Opens `soname` (e.g. "libmount.so.1"); `purpose` says what schelk needs it for.
  // Throws LibraryError. The library is never closed: its functions are used until exit.
  SharedLibrary(const char* soname, const char* purpose);

  // The function `name`, cast to `F` (its type from the library's header). Throws LibraryError.
  template <typename F>
  F function(const char* name) const {
    return reinterpret_cast<F>(lookup(name));
  }

 private:
  void* lookup(const char* name) const;

  void* handle_;
  std::string soname_;
  std::string purpose_;
};

}  // namespace schelk

// Declares a member `name` typed as a pointer to the global function `name`.
#define SCHELK_DL_MEMBER(name) decltype(&::name) name;
// Fills member `name` of `api` from SharedLibrary `lib`.
#define SCHELK_DL_BIND(lib, api, name) api.name = lib.function<decltype(&::name)>(#name);
