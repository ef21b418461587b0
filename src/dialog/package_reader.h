// Internal to the bot package loader: reading YAML files of a package with
// every problem collected as `file:line: what is wrong`. package.cc reads
// bot.yaml, intents, entities and the knowledge base with it; flows_loader.cc
// reads responses, flows and integrations.yaml.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dialog/package.h"

namespace kefu::dialog::internal {

namespace fs = std::filesystem;

// Lower-case ASCII letters, digits and `_`, not empty.
bool IsName(std::string_view s);
// Two or three lower-case ASCII letters.
bool IsLanguageCode(std::string_view s);
std::string Join(const std::vector<std::string>& items, std::string_view sep);

class PackageReader {
 public:
  explicit PackageReader(std::string dir) : dir_(std::move(dir)) {}

  BotPackage& package() { return pkg_; }
  const std::string& dir() const { return dir_; }

  // ---- reporting -----------------------------------------------------------
  void Error(const std::string& file, int line, const std::string& what) {
    errors_.push_back(file + ":" + std::to_string(line) + ": " + what);
  }
  void Error(const std::string& file, const YAML::Node& at, const std::string& what) {
    Error(file, Line(at), what);
  }
  static int Line(const YAML::Node& n) {
    int line = n.IsDefined() ? n.Mark().line : -1;
    return line < 0 ? 1 : line + 1;
  }

  // Reads a YAML file; reports a syntax error and returns an undefined node.
  std::optional<YAML::Node> ReadYaml(const std::string& rel) {
    try {
      return YAML::LoadFile((fs::path(dir_) / rel).string());
    } catch (const YAML::ParserException& e) {
      Error(rel, e.mark.line < 0 ? 1 : e.mark.line + 1, "not valid YAML: " + e.msg);
    } catch (const YAML::BadFile&) {
      Error(rel, 1, "cannot be read");
    } catch (const YAML::Exception& e) {
      Error(rel, 1, std::string("not valid YAML: ") + e.what());
    }
    return std::nullopt;
  }

  // The *.yaml / *.yml files directly inside `folder`, relative, by name.
  std::vector<std::string> YamlFiles(const std::string& folder) {
    std::vector<std::string> files;
    std::error_code ec;
    fs::path dir = fs::path(dir_) / folder;
    if (!fs::is_directory(dir, ec)) return files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string ext = e.path().extension().string();
      if (e.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) {
        files.push_back(folder + "/" + e.path().filename().string());
      }
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  // Calls load(file, item) for every item of the list each YAML file of
  // `folder` holds; a file that is not a list is one error (`not_a_list`).
  template <typename Load>
  void ForEachListItem(const std::string& folder, const char* not_a_list, Load load) {
    for (const auto& file : YamlFiles(folder)) {
      auto doc = ReadYaml(file);
      if (!doc || doc->IsNull()) continue;
      if (!doc->IsSequence()) {
        Error(file, *doc, not_a_list);
        continue;
      }
      for (const auto& item : *doc) load(file, item);
    }
  }

  // Reports keys of map `node` not in `allowed`.
  void UnknownFields(const std::string& file, const YAML::Node& node, const std::string& where,
                     const std::set<std::string>& allowed) {
    for (const auto& kv : node) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (!allowed.count(key)) {
        std::string all;
        for (const auto& a : allowed) all += (all.empty() ? "" : ", ") + a;
        Error(file, kv.first, where + "unknown field `" + key + "` (allowed: " + all + ")");
      }
    }
  }

  // A routing rule's queue (a name) and priority (an integer 0–10), fields
  // of `node` (an intent's `handoff:` map, a flow's handoff step).
  bool RoutingRule(const std::string& file, const YAML::Node& node, const std::string& where,
                   std::string* queue, int* priority) {
    bool ok = true;
    YAML::Node q = node["queue"];
    if (q.IsDefined() && !q.IsNull()) {
      if (!String(file, q, where + "queue", queue, true)) {
        ok = false;
      } else if (queue->size() > 64 || queue->find_first_of(" \t\r\n") != std::string::npos) {
        Error(file, q, where + "queue: a name of at most 64 characters, no spaces");
        ok = false;
      }
    }
    YAML::Node p = node["priority"];
    if (p.IsDefined() && !p.IsNull()) {
      int v = -1;
      if (!p.IsScalar() || !YAML::convert<int>::decode(p, v) || v < 0 || v > 10) {
        Error(file, p, where + "priority: must be an integer from 0 to 10");
        ok = false;
      } else {
        *priority = v;
      }
    }
    return ok;
  }

  // A non-empty string scalar.
  bool String(const std::string& file, const YAML::Node& n, const std::string& where,
              std::string* out, bool required) {
    if (!n.IsDefined() || n.IsNull()) {
      if (required) Error(file, n, where + ": missing");
      return false;
    }
    if (!n.IsScalar()) {
      Error(file, n, where + ": must be a string");
      return false;
    }
    std::string s = n.Scalar();
    if (s.find_first_not_of(" \t\r\n") == std::string::npos) {
      Error(file, n, where + ": empty");
      return false;
    }
    *out = std::move(s);
    return true;
  }

  // The string field `key` of map `parent`; a missing one is reported at the map.
  bool StringField(const std::string& file, const YAML::Node& parent, const std::string& key,
                   const std::string& where, std::string* out) {
    YAML::Node n = parent[key];
    if (!n.IsDefined() || n.IsNull()) {
      Error(file, parent, where + ": missing");
      return false;
    }
    return String(file, n, where, out, true);
  }

  // A text field: one string, or a map with a string for every language.
  bool Text(const std::string& file, const YAML::Node& parent, const std::string& key,
            const std::string& where, LocalizedText* out, bool required = true) {
    YAML::Node n = parent[key];
    if (!n.IsDefined() || n.IsNull()) {
      if (required) Error(file, parent, where + ": missing");
      return false;
    }
    if (n.IsScalar()) {
      std::string s;
      if (!String(file, n, where, &s, true)) return false;
      for (const auto& lang : pkg_.languages) (*out)[lang] = s;
      return true;
    }
    if (!n.IsMap()) {
      Error(file, n, where + ": must be a string or a map of language to string");
      return false;
    }
    bool ok = true;
    for (const auto& kv : n) {
      std::string lang = kv.first.Scalar();
      if (!Speaks(lang)) {
        Error(file, kv.first,
              where + ": language `" + lang + "` is not in bot.yaml languages [" +
                  Join(pkg_.languages, ", ") + "]");
        ok = false;
        continue;
      }
      std::string s;
      if (!String(file, kv.second, where + "." + lang, &s, true)) {
        ok = false;
        continue;
      }
      (*out)[lang] = std::move(s);
    }
    for (const auto& lang : pkg_.languages) {
      if (!n[lang].IsDefined()) {
        Error(file, n, where + ": no `" + lang + "` text");
        ok = false;
      }
    }
    return ok;
  }

  // A map language → list of non-empty strings (examples, questions, synonyms).
  // Languages outside `languages` are reported.
  bool TextLists(const std::string& file, const YAML::Node& n, const std::string& where,
                 std::map<std::string, std::vector<std::string>>* out) {
    if (!n.IsMap()) {
      Error(file, n, where + ": must be a map of language to list");
      return false;
    }
    bool ok = true;
    for (const auto& kv : n) {
      std::string lang = kv.first.Scalar();
      if (!Speaks(lang)) {
        Error(file, kv.first,
              where + ": language `" + lang + "` is not in bot.yaml languages [" +
                  Join(pkg_.languages, ", ") + "]");
        ok = false;
        continue;
      }
      auto& list = (*out)[lang];
      if (kv.second.IsNull()) continue;  // an empty list; counted by the caller
      if (!kv.second.IsSequence()) {
        Error(file, kv.second, where + "." + lang + ": must be a list");
        ok = false;
        continue;
      }
      for (const auto& item : kv.second) {
        if (!item.IsScalar() || item.Scalar().find_first_not_of(" \t\r\n") == std::string::npos) {
          Error(file, item, where + "." + lang + ": an item that is not text (quote it)");
          ok = false;
          continue;
        }
        list.push_back(item.Scalar());
      }
    }
    return ok;
  }

  // Whether the bot speaks `lang`; anything while bot.yaml's languages are
  // unknown (unreadable), so one mistake there is not reported everywhere.
  bool Speaks(const std::string& lang) const {
    if (!languages_known_) return true;
    return std::find(pkg_.languages.begin(), pkg_.languages.end(), lang) != pkg_.languages.end();
  }

 protected:
  std::string dir_;
  BotPackage pkg_;
  std::vector<std::string> errors_;
  bool languages_known_ = false;  // bot.yaml's languages were read
};

// Reads responses/, flows/ and integrations.yaml into reader.package(),
// after everything else was read (flows refer to intents and entities).
void LoadDialogue(PackageReader& reader);

}  // namespace kefu::dialog::internal
