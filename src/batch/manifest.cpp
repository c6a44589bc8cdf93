#include "batch/manifest.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "export/text.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "vidscribe/error.h"

namespace vidscribe::batch {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad_line(const std::string& name, size_t line, const std::string& why) {
  throw Error(ErrorCode::kInvalidArgument, name + ":" + std::to_string(line) + ": " + why);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An id is text people and JSON read: valid UTF-8 without control characters, at most 1024 bytes.
void check_id(const std::string& id, const std::string& name, size_t line) {
  if (id.empty()) bad_line(name, line, "empty id");
  if (id.size() > 1024) bad_line(name, line, "id longer than 1024 bytes");
  if (exporter::sanitize_utf8(id) != id) bad_line(name, line, "id is not valid UTF-8");
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) bad_line(name, line, "id contains a control character");
  }
}

// The id of a path given without one: the path as written, lexically normalised ("./a/../b.mp4" -> "b.mp4").
std::string id_of_path(const std::string& written) {
  std::string id = fs::path(written).lexically_normal().generic_string();
  while (id.size() > 2 && id.compare(0, 2, "./") == 0) id.erase(0, 2);
  return id;
}

// One CSV record of a single line (RFC 4180 quoting: "a,b" and "" for a quote inside quotes).
std::vector<std::string> csv_fields(std::string_view line, const std::string& name, size_t number) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  bool was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '"' && trim(fields.back()).empty() && !was_quoted) {
      fields.back().clear();
      quoted = was_quoted = true;
    } else if (was_quoted && !std::isspace(static_cast<unsigned char>(c))) {
      bad_line(name, number, "text after a closing quote");
    } else {
      fields.back() += c;
    }
  }
  if (quoted) bad_line(name, number, "a quoted field is not closed (fields spanning lines are not supported)");
  for (std::string& f : fields) f = std::string(trim(f));
  return fields;
}

}  // namespace

ManifestFormat manifest_format_for(const fs::path& manifest) {
  const std::string ext = lower(manifest.extension().string());
  if (ext == ".jsonl" || ext == ".ndjson") return ManifestFormat::kJsonl;
  if (ext == ".csv") return ManifestFormat::kCsv;
  return ManifestFormat::kLines;
}

std::vector<Item> parse_manifest(std::string_view text, ManifestFormat format, const fs::path& base,
                                 const std::string& name) {
  std::vector<Item> items;
  std::vector<size_t> lines;  // the line of each item, for messages
  int id_column = -1;
  int path_column = -1;
  bool header_seen = false;
  size_t number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++number;
    if (line.empty() || line.front() == '#') continue;
    if (line.find('\0') != std::string_view::npos) bad_line(name, number, "contains a NUL byte");

    Item item;
    std::string written;
    if (format == ManifestFormat::kLines) {
      written = std::string(line);
    } else if (format == ManifestFormat::kJsonl) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded()) bad_line(name, number, "not a JSON object");
      if (!j.is_object()) bad_line(name, number, "not a JSON object");
      const auto path = j.find("path");
      if (path == j.end() || !path->is_string()) bad_line(name, number, "no \"path\" string");
      written = path->get<std::string>();
      const auto id = j.find("id");
      if (id != j.end() && !id->is_null()) {
        if (id->is_string()) {
          item.id = id->get<std::string>();
        } else if (id->is_number_integer()) {
          item.id = id->dump();
        } else {
          bad_line(name, number, "\"id\" must be a string or an integer");
        }
        item.explicit_id = true;
      }
    } else {
      std::vector<std::string> fields = csv_fields(line, name, number);
      if (!header_seen) {
        header_seen = true;
        for (size_t i = 0; i < fields.size(); ++i) {
          const std::string column = lower(fields[i]);
          if (column == "id") id_column = static_cast<int>(i);
          if (column == "path") path_column = static_cast<int>(i);
        }
        if (path_column < 0) bad_line(name, number, "the header must name a \"path\" column (id,path)");
        continue;
      }
      const int needed = std::max(id_column, path_column) + 1;
      if (static_cast<int>(fields.size()) < needed) {
        bad_line(name, number, std::to_string(fields.size()) + " fields, the header has " + std::to_string(needed));
      }
      written = fields[path_column];
      if (id_column >= 0 && !fields[id_column].empty()) {
        item.id = fields[id_column];
        item.explicit_id = true;
      }
    }
    if (written.empty()) bad_line(name, number, "empty path");
    if (!item.explicit_id) item.id = id_of_path(written);
    check_id(item.id, name, number);
    const fs::path p(written);
    item.path = (p.is_absolute() || base.empty() ? p : base / p).lexically_normal();
    items.push_back(std::move(item));
    lines.push_back(number);
  }

  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return items[a].id < items[b].id; });
  std::vector<Item> sorted;
  sorted.reserve(items.size());
  for (size_t k = 0; k < order.size(); ++k) {
    // Compared against the item already moved into `sorted`: items[order[k - 1]] is moved-from by now.
    if (k > 0 && items[order[k]].id == sorted.back().id) {
      bad_line(name, lines[order[k]], "id \"" + items[order[k]].id + "\" is already used on line " +
                                          std::to_string(lines[order[k - 1]]));
    }
    sorted.push_back(std::move(items[order[k]]));
  }
  return sorted;
}

bool is_video_file(const fs::path& path) {
  static const char* const kExtensions[] = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".flv", ".wmv",
                                            ".mpg", ".mpeg", ".ts", ".mts", ".m2ts", ".ogv", ".3gp", ".gif"};
  const std::string ext = lower(path.extension().string());
  return std::find(std::begin(kExtensions), std::end(kExtensions), ext) != std::end(kExtensions);
}

std::vector<Item> read_input(const fs::path& given) {
  std::error_code ec;
  // Absolute, so that results name their input wherever a task ran.
  const fs::path input = fs::absolute(given, ec).lexically_normal();
  const fs::file_status st = fs::status(input, ec);
  if (ec || !fs::exists(st)) throw Error(ErrorCode::kNotFound, "no such manifest or folder: " + given.string());
  if (!fs::is_directory(st)) {
    const std::string text = util::read_file(input);
    std::vector<Item> items = parse_manifest(text, manifest_format_for(input), input.parent_path(), input.string());
    if (items.empty()) throw Error(ErrorCode::kNotFound, "the manifest " + input.string() + " lists no videos");
    return items;
  }

  std::vector<Item> items;
  fs::recursive_directory_iterator it(input, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.filename().string().front() == '.') {  // hidden files and folders (.git, .tmp files)
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || !is_video_file(p)) continue;
    Item item;
    item.id = p.lexically_relative(input).generic_string();
    item.path = p;
    if (exporter::sanitize_utf8(item.id) != item.id) {
      throw Error(ErrorCode::kInvalidArgument, "a file name under " + input.string() +
                                                   " is not valid UTF-8: " + exporter::sanitize_utf8(item.id) +
                                                   " (rename it, or list the videos in a manifest with ids)");
    }
    items.push_back(std::move(item));
  }
  if (ec) throw Error(ErrorCode::kIo, "cannot list " + input.string() + ": " + ec.message());
  if (items.empty()) {
    throw Error(ErrorCode::kNotFound, "no video files under " + input.string() +
                                          " (looked for .mp4, .mkv, .webm, .mov, .avi and other video extensions)");
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.id < b.id; });
  return items;
}

std::string file_name_for_id(const std::string& id) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string name;
  std::vector<size_t> cuts;  // positions where a character starts, so a long name is never cut inside %XX
  for (size_t i = 0; i < id.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(id[i]);
    cuts.push_back(name.size());
    const bool plain = std::isalnum(c) || c == '-' || c == '_' || (c == '.' && i > 0);
    if (plain && c < 0x80) {
      name += static_cast<char>(c);
    } else {
      name += '%';
      name += kHex[c >> 4];
      name += kHex[c & 15];
    }
  }
  if (name.size() <= 160) return name;
  size_t keep = 0;
  for (size_t cut : cuts) {
    if (cut > 100) break;
    keep = cut;
  }
  return name.substr(0, keep) + "~" + util::sha256_hex(id).substr(0, 16);
}

}  // namespace vidscribe::batch
