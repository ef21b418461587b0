// ChunkMarkdown: articles split at their headings.
#include <string>
#include <vector>

#include "kb/kb.h"

namespace kefu::kb {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The level (1–6) of an ATX heading line, 0 when it is not one; `title`
// receives its text without the #s (closing #s removed too).
int HeadingLevel(std::string_view line, std::string& title) {
  size_t indent = 0;
  while (indent < line.size() && indent < 4 && line[indent] == ' ') ++indent;
  if (indent > 3) return 0;
  line.remove_prefix(indent);
  int level = 0;
  while (level < static_cast<int>(line.size()) && line[level] == '#') ++level;
  if (level < 1 || level > 6) return 0;
  if (static_cast<size_t>(level) < line.size() && line[level] != ' ' && line[level] != '\t') {
    return 0;  // "#hashtag" is text
  }
  std::string_view rest = Trim(line.substr(level));
  while (!rest.empty() && rest.back() == '#') rest.remove_suffix(1);
  title = std::string(Trim(rest));
  return level;
}

bool IsFence(std::string_view line) {
  line = Trim(line);
  return line.substr(0, 3) == "```" || line.substr(0, 3) == "~~~";
}

}  // namespace

std::vector<Chunk> ChunkMarkdown(std::string_view markdown) {
  std::vector<Chunk> chunks;
  std::vector<std::string> path;  // heading titles by level
  Chunk current;
  bool in_fence = false;
  auto flush = [&] {
    std::string_view text = current.text;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    while (!text.empty() && (text.front() == '\n')) text.remove_prefix(1);
    if (!text.empty() || !current.heading.empty()) {
      chunks.push_back({current.heading, std::string(text)});
    }
    current = Chunk{};
  };
  size_t pos = 0;
  while (pos <= markdown.size()) {
    size_t end = markdown.find('\n', pos);
    if (end == std::string_view::npos) end = markdown.size();
    std::string_view line = markdown.substr(pos, end - pos);
    pos = end + 1;
    std::string title;
    int level = in_fence ? 0 : HeadingLevel(line, title);
    if (IsFence(line)) in_fence = !in_fence;
    if (level == 0) {
      current.text.append(line);
      current.text.push_back('\n');
      if (end == markdown.size()) break;
      continue;
    }
    flush();
    path.resize(level - 1);
    path.push_back(title);
    for (const auto& part : path) {
      if (part.empty()) continue;
      if (!current.heading.empty()) current.heading += " > ";
      current.heading += part;
    }
    if (end == markdown.size()) break;
  }
  flush();
  return chunks;
}

}  // namespace kefu::kb
