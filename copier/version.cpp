// The copier library's version tag; keeps the library non-empty before its engines land.
namespace copier {
const char* library_name() { return "copier"; }
}  // namespace copier
