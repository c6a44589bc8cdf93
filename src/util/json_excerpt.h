// A bounded description of a JSON value for error messages: never recursive, never long, whatever the
// value's size or depth (a value nested 100,000 levels deep must not overflow the stack in a message).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace vidscribe::util {

// "an array of 3 values", "an object of 2 keys", "\"text...\"" (at most 40 characters), "12.5", "true", "null".
inline std::string json_excerpt(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::array:
      return value.empty() ? "[]" : "an array of " + std::to_string(value.size()) + " value" + (value.size() == 1 ? "" : "s");
    case nlohmann::json::value_t::object:
      return value.empty() ? "{}" : "an object of " + std::to_string(value.size()) + " key" + (value.size() == 1 ? "" : "s");
    case nlohmann::json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      if (s.size() <= 40) return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      size_t cut = 40;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
      return nlohmann::json(s.substr(0, cut)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "...";
    }
    case nlohmann::json::value_t::binary:
      return "binary data";
    case nlohmann::json::value_t::discarded:
      return "nothing";
    default:
      return value.dump();  // a number, a boolean or null: short and not nested
  }
}

}  // namespace vidscribe::util
