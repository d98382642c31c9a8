// Checks on a state file's values and on the state directory that the JSON parser alone does not
// make: a granularity of 0, negative, fractional or beyond 64 bits would be wrapped or truncated
// by the parser and later divide by zero or track nothing (bad-input D4); a state directory that
// cannot be written would only be found after a destructive copy (D14).
// Throws StateError with one line naming the state file, the field and the fix.
#pragma once

#include <filesystem>
#include <string>

namespace schelk {

// Validates the numeric fields of the state JSON `text` read from `path`: granularity must be an
// integer in [512, 2^40] and a multiple of 512; current_era null or an integer in [0, 2^32).
// Malformed JSON and missing fields are left to state_from_json, which reports them.
void validate_state_text(const std::string& text, const std::filesystem::path& path);

// Throws StateError "Cannot write the state directory D (...): ..." unless the file save_state
// writes first (<dir>/.state.json.tmp) can be created, or, when the directory does not exist
// yet, a probe file in its nearest existing ancestor. The probe is removed again.
void require_state_dir_writable(const std::filesystem::path& state_path);

}  // namespace schelk
