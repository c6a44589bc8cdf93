// The viewer's files (src/server/web), compiled into the program by cmake/embed.cmake.
#pragma once

#include <cstddef>
#include <string_view>

namespace vidscribe::server {

struct EmbeddedFile {
  std::string_view name;  // "index.html", "app.js", "app.css"
  const unsigned char* data;
  std::size_t size;
};

// The file called `name`, or nullptr.
const EmbeddedFile* find_embedded(std::string_view name);

}  // namespace vidscribe::server
