// era_dump's XML, in thin-provisioning-tools 0.9's dialect: superblock, every writeset with every
// bit (true and false), the era array; --logical folds the writesets into the eras instead.
#pragma once

#include "era_metadata/era_content.hpp"
#include "src/era_tools/era_tool_cli.hpp"

namespace schelk::era_tools {

void write_era_dump_xml(const era_metadata::EraContent& content, bool logical, Output& out);

}  // namespace schelk::era_tools
