// JsonPath: the small path language the collect settings use to point into
// an API response. Dotted names walk objects ("meta.next_cursor"); "[]"
// after a name walks every element of that array ("images[].url"); a
// leading "[]" walks the root array ("[].url"); "" is the value itself.
// Pure; safe to share between threads once parsed.
#ifndef CFMIGRATE_JSON_PATH_H_
#define CFMIGRATE_JSON_PATH_H_

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace cfm {

class JsonPath {
 public:
  JsonPath() = default;  // the empty path: the value itself

  // Parses `text`. Fails with kInvalidArgument naming the problem for
  // empty names ("a..b"), anything after "[]" but a dot, or stray brackets.
  static Result<JsonPath> Parse(std::string_view text);

  // Appends to `out` every value the path reaches from `root`, in document
  // order. Names missing from an object, or a step into a value of the
  // wrong type, reach nothing (no error). The pointers point into `root`.
  void Collect(const nlohmann::json& root,
               std::vector<const nlohmann::json*>* out) const;

  // The first value reached, or nullptr.
  const nlohmann::json* Find(const nlohmann::json& root) const;

  bool empty() const { return steps_.empty(); }
  const std::string& text() const { return text_; }

 private:
  struct Step {
    std::string name;  // "" with walk_array: the current value is the array
    bool walk_array = false;
  };
  void Walk(const nlohmann::json& value, size_t step,
            std::vector<const nlohmann::json*>* out) const;

  std::vector<Step> steps_;
  std::string text_;
};

// The items of a page: the array `path` reaches (its elements; null counts
// as an empty array), or every value reached when the path walks arrays
// itself. Fails with kCorruption
// when the path reaches no array (wrong API_ITEMS_PATH or an error body).
Result<std::vector<const nlohmann::json*>> FindItems(const nlohmann::json& body,
                                                     const JsonPath& path);

// Appends the strings `path` reaches in `item` to `out`; an array of strings
// reached counts as its elements. Returns how many non-string values were
// reached (numbers, objects, null), which callers count as invalid.
size_t CollectStrings(const nlohmann::json& item, const JsonPath& path,
                      std::vector<std::string_view>* out);

}  // namespace cfm

#endif  // CFMIGRATE_JSON_PATH_H_
