// The Node-API functions of the line scanner (line_scanner.h): createScanner(rules), and checkLines(scanner,
// bytes, start, end, out), which answers the lines of a stretch of bytes (one line is a stretch too). See
// src/server/native-line-scanner.ts, which calls them.
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "line_scanner.h"

namespace {

using sluice::EventKind;
using sluice::FieldRule;
using sluice::ObjectRule;
using sluice::Scanner;

#define CALL(env, call)                                   \
  do {                                                    \
    if ((call) != napi_ok) {                              \
      napi_throw_error((env), nullptr, "line scanner: " #call " failed"); \
      return nullptr;                                     \
    }                                                     \
  } while (0)

bool getNumber(napi_env env, napi_value object, const char* key, double& out) {
  napi_value value;
  if (napi_get_named_property(env, object, key, &value) != napi_ok) return false;
  return napi_get_value_double(env, value, &out) == napi_ok;
}

bool getInt(napi_env env, napi_value object, const char* key, int& out) {
  double d;
  if (!getNumber(env, object, key, d)) return false;
  out = static_cast<int>(d);
  return true;
}

bool getBool(napi_env env, napi_value object, const char* key, bool& out) {
  napi_value value;
  if (napi_get_named_property(env, object, key, &value) != napi_ok) return false;
  return napi_get_value_bool(env, value, &out) == napi_ok;
}

bool getBytes(napi_env env, napi_value value, std::string& out) {
  void* data;
  size_t length;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok) return false;
  if (type != napi_uint8_array) return false;
  out.assign(static_cast<const char*>(data), length);
  return true;
}

bool getArray(napi_env env, napi_value object, const char* key, napi_value& array, uint32_t& length) {
  if (napi_get_named_property(env, object, key, &array) != napi_ok) return false;
  return napi_get_array_length(env, array, &length) == napi_ok;
}

bool readIntArray(napi_env env, napi_value object, const char* key, std::vector<int>& out) {
  napi_value array;
  uint32_t length;
  if (!getArray(env, object, key, array, length)) return false;
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    double d;
    if (napi_get_element(env, array, i, &item) != napi_ok || napi_get_value_double(env, item, &d) != napi_ok)
      return false;
    out.push_back(static_cast<int>(d));
  }
  return true;
}

bool readField(napi_env env, napi_value spec, FieldRule& field) {
  napi_value nameBytes;
  if (napi_get_named_property(env, spec, "nameBytes", &nameBytes) != napi_ok || !getBytes(env, nameBytes, field.name))
    return false;
  if (!getInt(env, spec, "types", field.types) || !getNumber(env, spec, "minLength", field.minLength) ||
      !getNumber(env, spec, "maxLength", field.maxLength) || !getNumber(env, spec, "minimum", field.minimum) ||
      !getNumber(env, spec, "maximum", field.maximum) ||
      !getNumber(env, spec, "exclusiveMinimum", field.exclusiveMinimum) ||
      !getNumber(env, spec, "exclusiveMaximum", field.exclusiveMaximum) ||
      !getBool(env, spec, "hasEnum", field.hasEnum) || !getBool(env, spec, "enumTrue", field.enumTrue) ||
      !getBool(env, spec, "enumFalse", field.enumFalse) || !getBool(env, spec, "enumNull", field.enumNull) ||
      !getBool(env, spec, "coerced", field.coerced) || !getInt(env, spec, "object", field.object))
    return false;
  napi_value array;
  uint32_t length;
  if (!getArray(env, spec, "enumStrings", array, length)) return false;
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    std::string bytes;
    if (napi_get_element(env, array, i, &item) != napi_ok || !getBytes(env, item, bytes)) return false;
    field.enumStrings.push_back(bytes);
  }
  if (!getArray(env, spec, "enumNumbers", array, length)) return false;
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    double d;
    if (napi_get_element(env, array, i, &item) != napi_ok || napi_get_value_double(env, item, &d) != napi_ok)
      return false;
    field.enumNumbers.push_back(d);
  }
  return true;
}

void finalizeScanner(napi_env, void* data, void*) { delete static_cast<Scanner*>(data); }

// createScanner({ objects: [{ fields: [...], required: [...] }], trim, maxDepth, eventField, defaultFields })
napi_value CreateScanner(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value spec;
  CALL(env, napi_get_cb_info(env, info, &argc, &spec, nullptr, nullptr));
  auto* scanner = new Scanner();
  bool ok = getBool(env, spec, "trim", scanner->trim) && getNumber(env, spec, "maxDepth", scanner->maxDepth) &&
            getInt(env, spec, "eventField", scanner->eventField) &&
            readIntArray(env, spec, "defaultFields", scanner->defaultFields);
  napi_value objects;
  uint32_t objectCount = 0;
  ok = ok && getArray(env, spec, "objects", objects, objectCount) && objectCount > 0;
  for (uint32_t o = 0; ok && o < objectCount; o++) {
    napi_value objectSpec, fields;
    uint32_t fieldCount;
    ObjectRule rule;
    ok = napi_get_element(env, objects, o, &objectSpec) == napi_ok &&
         getArray(env, objectSpec, "fields", fields, fieldCount) &&
         readIntArray(env, objectSpec, "required", rule.required);
    for (uint32_t f = 0; ok && f < fieldCount; f++) {
      napi_value fieldSpec;
      FieldRule field;
      ok = napi_get_element(env, fields, f, &fieldSpec) == napi_ok && readField(env, fieldSpec, field);
      if (ok) rule.fields.push_back(std::move(field));
    }
    rule.seen.assign(rule.fields.size(), 0);
    scanner->objects.push_back(std::move(rule));
  }
  // Indexes must point inside the rules, a nested object after its parent (so never back to it).
  for (size_t o = 0; ok && o < scanner->objects.size(); o++) {
    const ObjectRule& rule = scanner->objects[o];
    for (const FieldRule& field : rule.fields)
      if (field.object >= static_cast<int>(objectCount) || (field.object >= 0 && field.object <= static_cast<int>(o)))
        ok = false;
    for (int r : rule.required)
      if (r < 0 || r >= static_cast<int>(rule.fields.size())) ok = false;
  }
  for (int d : scanner->defaultFields)
    if (ok && (d < 0 || d >= static_cast<int>(scanner->objects[0].fields.size()))) ok = false;
  if (!ok) {
    delete scanner;
    napi_throw_type_error(env, nullptr, "line scanner: malformed rules");
    return nullptr;
  }
  napi_value external;
  if (napi_create_external(env, scanner, finalizeScanner, nullptr, &external) != napi_ok) {
    delete scanner;
    napi_throw_error(env, nullptr, "line scanner: napi_create_external failed");
    return nullptr;
  }
  return external;
}

// checkLines(scanner, bytes, start, end, out: Float64Array) → lines answered. Splits bytes[start..end) at
// newlines (the last line ends at `end`) and answers each line (without its newline and a trailing "\r") into
// four slots of `out`: where the line ends (its newline, or `end`), the answer's kind (0 in doubt, 1 accepted
// with no event time, 2 with a number, 3 with a string), the number or the string's start, the string's end.
// Stops when `out` is full: the caller goes on after the last line answered.
napi_value CheckLines(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  CALL(env, napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  void* external;
  void* data;
  size_t length;
  napi_typedarray_type type;
  void* outData;
  size_t outLength;
  napi_typedarray_type outType;
  napi_value arrayBuffer;
  size_t offset;
  double startArg, endArg;
  if (napi_get_value_external(env, args[0], &external) != napi_ok ||
      napi_get_typedarray_info(env, args[1], &type, &length, &data, &arrayBuffer, &offset) != napi_ok ||
      napi_get_value_double(env, args[2], &startArg) != napi_ok ||
      napi_get_value_double(env, args[3], &endArg) != napi_ok ||
      napi_get_typedarray_info(env, args[4], &outType, &outLength, &outData, &arrayBuffer, &offset) != napi_ok) {
    napi_throw_type_error(env, nullptr, "line scanner: expected (scanner, Uint8Array, start, end, Float64Array)");
    return nullptr;
  }
  if (type != napi_uint8_array || !(startArg >= 0) || !(endArg >= startArg) ||
      endArg > static_cast<double>(length) || outType != napi_float64_array || outLength < 4) {
    napi_throw_range_error(env, nullptr, "line scanner: checkLines got bad arguments");
    return nullptr;
  }
  auto* scanner = static_cast<Scanner*>(external);
  const auto* bytes = static_cast<const uint8_t*>(data);
  auto* out = static_cast<double*>(outData);
  const size_t capacity = outLength / 4;
  const size_t end = static_cast<size_t>(endArg);
  size_t start = static_cast<size_t>(startArg);
  size_t count = 0;
  while (count < capacity) {
    const void* newline = end > start ? std::memchr(bytes + start, 10, end - start) : nullptr;
    const size_t lineEnd = newline == nullptr ? end : static_cast<size_t>(static_cast<const uint8_t*>(newline) - bytes);
    size_t stop = lineEnd;
    if (stop > start && bytes[stop - 1] == 13) stop--;
    double* slot = out + 4 * count;
    slot[0] = static_cast<double>(lineEnd);
    if (scanner->check(bytes, start, stop) < 0) {
      slot[1] = 0;
    } else if (scanner->eventKind == EventKind::Number) {
      slot[1] = 2;
      slot[2] = scanner->eventNumber;
    } else if (scanner->eventKind == EventKind::String) {
      slot[1] = 3;
      slot[2] = static_cast<double>(scanner->eventStart);
      slot[3] = static_cast<double>(scanner->eventEnd);
    } else {
      slot[1] = 1;
    }
    count++;
    if (lineEnd >= end) break;
    start = lineEnd + 1;
  }
  napi_value result;
  CALL(env, napi_create_uint32(env, static_cast<uint32_t>(count), &result));
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"createScanner", nullptr, CreateScanner, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"checkLines", nullptr, CheckLines, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  if (napi_define_properties(env, exports, 2, properties) != napi_ok) return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
