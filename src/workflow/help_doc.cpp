// The man page, the completions and the exit-status table, from the command tables; see
// help_doc.hpp.
#include "src/workflow/help_doc.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>

namespace schelk {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Text for roff: backslashes and hyphens escaped, a leading control character defused.
std::string roff(std::string_view text) {
  std::string out;
  if (!text.empty() && (text.front() == '.' || text.front() == '\'')) out += "\\&";
  for (const char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& words, std::string_view sep = " ") {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

const OptionDoc* find_option(std::string_view name) {
  for (const auto& docs : {global_option_docs(), command_option_docs()}) {
    for (const auto& o : docs) {
      if (o.name == name) return &o;
    }
  }
  return nullptr;
}

// "--virgin DEVICE" in roff: the option bold, its value italic.
std::string roff_option(const OptionDoc& o) {
  std::string s;
  if (o.short_name) s += "\\fB\\-" + std::string(1, o.short_name) + "\\fR, ";
  s += "\\fB\\-\\-" + roff(o.name) + "\\fR";
  if (!o.value.empty()) s += " \\fI" + roff(o.value) + "\\fR";
  return s;
}

void roff_exits(std::ostream& out, std::span<const ExitDoc> exits) {
  out << ".PP\nExit status:\n.RS\n.PD 0\n";
  for (const auto& e : exits) out << ".TP 10\n" << roff(e.codes) << "\n" << roff(e.meaning) << "\n";
  out << ".PD\n.RE\n";
}

// Long options of every command and tool, and which take a device or a path (completion).
struct OptionSets {
  std::vector<std::string> device;
  std::vector<std::string> path;
  std::vector<std::string> value;  // other options that take a value
};

OptionSets option_sets(std::span<const ToolSummary> tools) {
  OptionSets sets;
  for (const auto& docs : {global_option_docs(), command_option_docs()}) {
    for (const auto& o : docs) {
      const std::string name = "--" + std::string(o.name);
      if (o.device) {
        sets.device.push_back(name);
      } else if (o.path) {
        sets.path.push_back(name);
      } else if (!o.value.empty()) {
        sets.value.push_back(name);
      }
    }
  }
  for (const auto& t : tools) {
    std::istringstream words{std::string(t.device_options)};
    for (std::string w; words >> w;) {
      if (std::find(sets.device.begin(), sets.device.end(), w) == sets.device.end()) {
        sets.device.push_back(w);
      }
    }
  }
  return sets;
}

std::vector<std::string> global_words() {
  std::vector<std::string> words;
  for (const auto& o : global_option_docs()) {
    words.push_back("--" + std::string(o.name));
    if (o.short_name) words.push_back(std::string("-") + o.short_name);
  }
  return words;
}

// The global options that take a value ("--state-path"): completion skips their value when it
// looks for the command word.
std::vector<std::string> global_value_options() {
  std::vector<std::string> names;
  for (const auto& o : global_option_docs()) {
    if (!o.value.empty()) names.push_back("--" + std::string(o.name));
  }
  return names;
}

std::vector<std::string> command_words(const CommandDoc& c) {
  std::vector<std::string> words;
  for (const auto& name : c.options) {
    words.push_back("--" + std::string(name));
    if (const auto* o = find_option(name); o && o->short_name) {
      words.push_back(std::string("-") + o->short_name);
    }
  }
  for (const auto& w : global_words()) words.push_back(w);
  return words;
}

std::vector<std::string> all_command_names(std::span<const ToolSummary> tools) {
  std::vector<std::string> names;
  for (const auto& c : command_docs()) names.emplace_back(c.name);
  for (const auto& t : tools) names.emplace_back(t.name);
  names.emplace_back("help");
  return names;
}

std::string tool_words(const ToolSummary& t) {
  return std::string(t.options) + " --help -h --version -V";
}

}  // namespace

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;  // at most 2 edits
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance && d < word.size()) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::string man_page(std::span<const ToolSummary> tools) {
  std::ostringstream out;
  out << ".\\\" schelk(8), generated by `schelk --man` from the command tables; do not edit.\n"
      << ".TH SCHELK 8 \"\" \"" << roff(version_string()) << "\" \"System Administration\"\n"
      << ".nh\n.ad l\n"
      << ".SH NAME\nschelk \\- put a block device back to a known baseline in seconds\n"
      << ".SH SYNOPSIS\n.B schelk\n[\\fIGLOBAL OPTIONS\\fR] [\\fICOMMAND\\fR] "
         "[\\fICOMMAND OPTIONS\\fR]\n.br\n.B schelk help\n[\\fICOMMAND\\fR]\n"
      << ".SH DESCRIPTION\n"
      << "Two equal volumes: \\fIvirgin\\fR (the pristine baseline) and \\fIscratch\\fR (what "
         "the benchmark uses).\n"
      << ".B mount\nputs the kernel's dm\\-era target over scratch and mounts it;\n.B recover\n"
         "copies back from virgin exactly the blocks written since.\n"
      << "The same binary is a drop\\-in for thin\\-provisioning\\-tools' era tools when invoked "
         "as era_invalidate, era_dump, era_check or era_restore.\n"
      << "Every destructive command asks first unless \\fB\\-y\\fR.\n"
      << "Without a command, schelk runs \\fBstatus\\fR.\n";
  out << ".SH COMMANDS\n";
  for (const auto& c : command_docs()) {
    out << ".SS " << roff(c.name) << "\n"
        << roff(c.summary) << "\n.PP\n.B schelk " << roff(c.name) << "\n";
    if (!c.operand.empty()) out << "\\fI" << roff(c.operand) << "\\fR\n";
    for (const auto& name : c.options) {
      const auto* o = find_option(name);
      const bool required =
          std::find(c.required.begin(), c.required.end(), name) != c.required.end();
      const std::string label = "\\fB\\-\\-" + roff(name) + "\\fR" +
                                (o->value.empty() ? "" : " \\fI" + roff(o->value) + "\\fR");
      out << (required ? label : "[" + label + "]") << "\n";
    }
    for (const auto& name : c.options) {
      const auto* o = find_option(name);
      const bool required =
          std::find(c.required.begin(), c.required.end(), name) != c.required.end();
      out << ".TP\n"
          << roff_option(*o) << (required ? " (required)" : "") << "\n"
          << roff(o->help) << "\n";
    }
    out << ".PP\nDestroys: " << roff(c.destroys) << "\n.PP\nExamples:\n.RS\n.nf\n";
    for (const auto& e : c.examples) out << roff(e) << "\n";
    out << ".fi\n.RE\n";
    roff_exits(out, c.exits);
  }
  out << ".SH TOOLS\nThe same binary, as \\fBschelk\\fR \\fITOOL\\fR; the era tools also under "
         "their thin\\-provisioning\\-tools names (argv[0]), where they keep version 0.9's help "
         "and version output.\nEach answers \\fB\\-h\\fR, \\fB\\-\\-help\\fR, \\fB\\-V\\fR and "
         "\\fB\\-\\-version\\fR.\n";
  for (const auto& t : tools) {
    out << ".SS " << roff(t.name) << "\n" << roff(t.summary) << "\n";
    if (!t.synopsis.empty()) out << ".PP\n.nf\n" << roff(t.synopsis) << "\n.fi\n";
    if (!t.notes.empty()) {
      out << ".PP\n.nf\n";
      std::istringstream lines{std::string(t.notes)};
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) out << roff(line) << "\n";
      }
      out << ".fi\n";
    }
    if (!t.exits.empty()) roff_exits(out, t.exits);
  }
  out << ".SH GLOBAL OPTIONS\nAccepted before or after the command.\n";
  for (const auto& o : global_option_docs()) {
    out << ".TP\n" << roff_option(o) << "\n" << roff(o.help) << "\n";
  }
  out << ".SH EXIT STATUS\n0 success, 1 error, 2 usage error, 130 and 143 interrupted by SIGINT "
         "and SIGTERM; each command above lists its own.\n"
      << ".SH ENVIRONMENT\n.TP\n.B SCHELK_STATE\nThe state file when \\fB\\-\\-state\\-path\\fR "
         "is not given.\n"
      << ".TP\n.B SCHELK_PROGRESS\n\\fBauto\\fR, \\fBalways\\fR or \\fBnever\\fR when "
         "\\fB\\-\\-progress\\fR is not given.\n"
      << ".SH FILES\n.TP\n.I /var/lib/schelk/state.json\nThe default state file.\n"
      << ".SH SEE ALSO\n.BR era_dump (8),\n.BR era_invalidate (8),\n.BR dmsetup (8),\n"
      << "the README.md of the schelk sources.\n";
  return out.str();
}

std::string bash_completion(std::span<const ToolSummary> tools) {
  const auto sets = option_sets(tools);
  std::ostringstream out;
  out << "# bash completion for schelk, generated by `schelk --bash-completion`; do not edit.\n"
      << "_schelk() {\n"
      << "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\"\n"
      << "    (( COMP_CWORD > 0 )) && prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      << "    case \"$prev\" in\n"
      << "        " << join(sets.device, "|") << ")\n"
      << "            COMPREPLY=( $(compgen -f -- \"${cur:-/dev/}\") )\n"
      << "            return 0 ;;\n"
      << "        " << join(sets.path, "|") << "|--blocks|--metadata|-o|--output)\n"
      << "            COMPREPLY=( $(compgen -f -- \"$cur\") )\n"
      << "            return 0 ;;\n"
      << "        " << join(sets.value, "|") << ")\n"
      << "            COMPREPLY=()\n"
      << "            return 0 ;;\n"
      << "    esac\n"
      << "    local cmd=\"\" i\n"
      << "    for (( i = 1; i < COMP_CWORD; i++ )); do\n"
      << "        case \"${COMP_WORDS[i]}\" in\n"
      << "            " << join(global_value_options(), "|") << ") (( i++ )) ;;\n"
      << "            -*) ;;\n"
      << "            *) cmd=\"${COMP_WORDS[i]}\"; break ;;\n"
      << "        esac\n"
      << "    done\n"
      << "    local words=\"\"\n"
      << "    case \"$cmd\" in\n"
      << "        \"\")\n"
      << "            if [[ \"$cur\" == -* ]]; then words=\"" << join(global_words()) << "\"\n"
      << "            else words=\"" << join(all_command_names(tools)) << "\"; fi ;;\n"
      << "        help) words=\"" << join(all_command_names(tools)) << "\" ;;\n";
  for (const auto& c : command_docs()) {
    out << "        " << c.name << ") words=\"" << join(command_words(c)) << "\" ;;\n";
  }
  for (const auto& t : tools) {
    out << "        " << t.name << ")\n"
        << "            if [[ \"$cur\" != -* && \"" << t.name << "\" == era-* ]]; then\n"
        << "                COMPREPLY=( $(compgen -f -- \"$cur\") ); return 0\n"
        << "            fi\n"
        << "            words=\"" << tool_words(t) << "\" ;;\n";
  }
  out << "    esac\n"
      << "    COMPREPLY=( $(compgen -W \"$words\" -- \"$cur\") )\n"
      << "}\n"
      << "complete -F _schelk schelk\n";
  return out.str();
}

std::string zsh_completion(std::span<const ToolSummary> tools) {
  const auto sets = option_sets(tools);
  auto quoted = [](std::string_view name, std::string_view summary) {
    std::string s = "'" + std::string(name) + ":";
    for (const char c : summary) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return s + "'";
  };
  std::ostringstream out;
  out << "#compdef schelk\n"
      << "# zsh completion for schelk, generated by `schelk --zsh-completion`; do not edit.\n"
      << "_schelk() {\n"
      << "  local -a commands opts devices\n"
      << "  commands=(\n";
  for (const auto& c : command_docs()) out << "    " << quoted(c.name, c.summary) << "\n";
  for (const auto& t : tools) out << "    " << quoted(t.name, t.summary) << "\n";
  out << "    " << quoted("help", "Show the help of schelk or of a command") << "\n"
      << "  )\n"
      << "  case ${words[CURRENT-1]} in\n"
      << "    " << join(sets.device, "|") << ")\n"
      << "      devices=(/dev/*(N))\n"
      << "      compadd -a devices\n"
      << "      return ;;\n"
      << "    " << join(sets.path, "|") << "|--blocks|--metadata|-o|--output)\n"
      << "      _files\n"
      << "      return ;;\n"
      << "    " << join(sets.value, "|") << ")\n"
      << "      return ;;\n"
      << "  esac\n"
      << "  local cmd=\"\" i\n"
      << "  for (( i = 2; i < CURRENT; i++ )); do\n"
      << "    case ${words[i]} in\n"
      << "      " << join(global_value_options(), "|") << ") (( i++ )) ;;\n"
      << "      -*) ;;\n"
      << "      *) cmd=${words[i]}; break ;;\n"
      << "    esac\n"
      << "  done\n"
      << "  case $cmd in\n"
      << "    '')\n"
      << "      if [[ ${words[CURRENT]} == -* ]]; then\n"
      << "        opts=(" << join(global_words()) << ")\n"
      << "        compadd -a opts\n"
      << "      else\n"
      << "        _describe -t commands 'schelk command' commands\n"
      << "      fi\n"
      << "      return ;;\n"
      << "    help) _describe -t commands 'schelk command' commands; return ;;\n";
  for (const auto& c : command_docs()) {
    out << "    " << c.name << ") opts=(" << join(command_words(c)) << ") ;;\n";
  }
  for (const auto& t : tools) {
    out << "    " << t.name << ")\n"
        << "      if [[ ${words[CURRENT]} != -* && " << t.name << " == era-* ]]; then\n"
        << "        _files\n"
        << "        return\n"
        << "      fi\n"
        << "      opts=(" << tool_words(t) << ") ;;\n";
  }
  out << "  esac\n"
      << "  compadd -a opts\n"
      << "}\n"
      << "_schelk \"$@\"\n";
  return out.str();
}

std::string exit_codes_markdown(std::span<const ToolSummary> tools) {
  std::ostringstream out;
  out << "| command | code | when |\n|---|---|---|\n";
  auto rows = [&](std::string_view name, std::span<const ExitDoc> exits) {
    bool first = true;
    for (const auto& e : exits) {
      out << "| " << (first ? "`" + std::string(name) + "`" : std::string()) << " | " << e.codes
          << " | " << e.meaning << " |\n";
      first = false;
    }
  };
  for (const auto& c : command_docs()) rows(c.name, c.exits);
  for (const auto& t : tools) rows(t.name, t.exits);
  return out.str();
}

}  // namespace schelk
