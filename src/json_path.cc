#include "json_path.h"

#include <nlohmann/json.hpp>

namespace cfm {

using nlohmann::json;

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  JsonPath path;
  path.text_ = std::string(text);
  if (text.empty()) return path;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t dot = text.find('.', pos);
    std::string_view part =
        text.substr(pos, dot == std::string_view::npos ? std::string_view::npos
                                                       : dot - pos);
    Step step;
    if (part.size() >= 2 && part.substr(part.size() - 2) == "[]") {
      step.walk_array = true;
      part.remove_suffix(2);
    }
    if (part.find_first_of("[]") != std::string_view::npos)
      return Status::InvalidArgument("JSON path '" + path.text_ +
                                     "': unexpected bracket in '" +
                                     std::string(part) + "'");
    if (part.empty() && !(step.walk_array && path.steps_.empty()))
      return Status::InvalidArgument("JSON path '" + path.text_ +
                                     "': empty name");
    step.name = std::string(part);
    path.steps_.push_back(std::move(step));
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return path;
}

void JsonPath::Walk(const json& value, size_t step,
                    std::vector<const json*>* out) const {
  if (step == steps_.size()) {
    out->push_back(&value);
    return;
  }
  const Step& s = steps_[step];
  const json* next = &value;
  if (!s.name.empty()) {
    if (!value.is_object()) return;
    auto it = value.find(s.name);
    if (it == value.end()) return;
    next = &*it;
  }
  if (!s.walk_array) {
    Walk(*next, step + 1, out);
    return;
  }
  if (!next->is_array()) return;
  for (const json& element : *next) Walk(element, step + 1, out);
}

void JsonPath::Collect(const json& root, std::vector<const json*>* out) const {
  Walk(root, 0, out);
}

const json* JsonPath::Find(const json& root) const {
  std::vector<const json*> found;
  Walk(root, 0, &found);
  return found.empty() ? nullptr : found.front();
}

Result<std::vector<const json*>> FindItems(const json& body,
                                           const JsonPath& path) {
  std::vector<const json*> reached;
  path.Collect(body, &reached);
  if (reached.size() == 1 && reached.front()->is_array()) {
    std::vector<const json*> items;
    items.reserve(reached.front()->size());
    for (const json& item : *reached.front()) items.push_back(&item);
    return items;
  }
  // Some APIs send null instead of [] on the page after the last one.
  if (reached.size() == 1 && reached.front()->is_null())
    return std::vector<const json*>();
  bool walks = path.text().find("[]") != std::string::npos;
  if (walks) return reached;
  std::string where =
      path.empty() ? "the response body" : "'" + path.text() + "'";
  return Status::Corruption("items not found: " + where +
                            " is not a JSON array");
}

size_t CollectStrings(const json& item, const JsonPath& path,
                      std::vector<std::string_view>* out) {
  std::vector<const json*> reached;
  path.Collect(item, &reached);
  size_t non_strings = 0;
  for (const json* value : reached) {
    if (value->is_string()) {
      out->push_back(value->get_ref<const std::string&>());
    } else if (value->is_array()) {
      for (const json& element : *value) {
        if (element.is_string())
          out->push_back(element.get_ref<const std::string&>());
        else
          ++non_strings;
      }
    } else {
      ++non_strings;
    }
  }
  return non_strings;
}

}  // namespace cfm
