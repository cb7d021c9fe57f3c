// The line check's scanner in C++ (Node-API): the same rules and answers as src/server/line-scanner.ts, which
// stays the reference and the fallback. It walks one NDJSON line's bytes against rules compiled from a
// stream's schema and answers the line's event value when it is sure the full path would accept the line
// unchanged, or undefined when in doubt — exactly as the JavaScript scanner answers, line for line (a test
// compares the two on random lines).
#include <node_api.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace {

constexpr int STRING = 1;
constexpr int NUMBER = 2;
constexpr int INTEGER = 4;
constexpr int BOOLEAN = 8;
constexpr int NULL_TYPE = 16;

struct FieldRule {
  std::string name;
  int types = 0;
  double minLength = 0, maxLength = 0, minimum = 0, maximum = 0, exclusiveMinimum = 0, exclusiveMaximum = 0;
  bool hasEnum = false;
  std::vector<std::string> enumStrings;
  std::vector<double> enumNumbers;
  bool enumTrue = false, enumFalse = false, enumNull = false;
  bool coerced = false;
  int object = -1;  // index of the nested object's rule, or -1
};

struct ObjectRule {
  std::vector<FieldRule> fields;
  std::vector<int> required;
  // Stamps of the fields seen in the object being scanned; 64 bits, so a stamp never comes round again.
  std::vector<uint64_t> seen;
};

// The value of a field the scan found for the event time.
enum class EventKind { None, Null, Number, String };

struct Scanner {
  std::vector<ObjectRule> objects;
  bool trim = false;
  double maxDepth = 0;  // a double, as in JavaScript: Infinity and NaN (never too deep) included
  int eventField = -1;
  std::vector<int> defaultFields;
  // Per line:
  const uint8_t* bytes = nullptr;
  size_t end = 0;
  uint64_t stamp = 0;
  uint64_t objectStamp = 0;
  double number = 0;
  bool nonAscii = false;
  bool stringAscii = true;
  EventKind eventKind = EventKind::None;
  double eventNumber = 0;
  size_t eventStart = 0, eventEnd = 0;

  static bool isTrimmedSpace(uint32_t c) {
    return (c >= 9 && c <= 13) || c == 32 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
           c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 || c == 0xfeff;
  }

  size_t skipSpace(size_t p) const {
    while (p < end) {
      uint8_t c = bytes[p];
      if (c != 32 && c != 9 && c != 10 && c != 13) return p;
      p++;
    }
    return end;
  }

  bool sameAt(size_t start, const std::string& part) const { return sameAt(start, part.data(), part.size()); }

  bool sameAt(size_t start, const char* part, size_t length) const {
    if (start + length > end) return false;
    return std::memcmp(bytes + start, part, length) == 0;
  }

  // -1 for undecided, else the event value kind is set; returns 1 when accepted.
  int check(const uint8_t* data, size_t start, size_t lineEnd) {
    bytes = data;
    end = lineEnd;
    nonAscii = false;
    eventKind = EventKind::None;
    size_t p = skipSpace(start);
    if (p >= end || bytes[p] != 0x7b) return -1;
    int64_t after = scanObject(0, 1, eventField, p);
    if (after < 0 || skipSpace(static_cast<size_t>(after)) != end) return -1;
    const ObjectRule& root = objects[0];
    for (int index : defaultFields) {
      if (root.seen[index] != objectStamp) return -1;  // cleansing would fill it in
    }
    if (nonAscii && !isUtf8(bytes + start, end - start)) return -1;
    return 1;
  }

  int64_t scanObject(int ruleIndex, int depth, int eventIndex, size_t at) {
    if (depth > maxDepth) return -1;
    ObjectRule& rule = objects[ruleIndex];
    const uint64_t myStamp = ++stamp;
    const size_t fieldCount = rule.fields.size();
    size_t p = skipSpace(at + 1);
    size_t expected = 0;
    if (p < end && bytes[p] == 0x7d) {
      p++;
    } else {
      for (;;) {
        if (p >= end || bytes[p] != 0x22) return -1;
        int64_t index = -1;
        const size_t nameStart = p + 1;
        if (expected < fieldCount) {
          const std::string& name = rule.fields[expected].name;
          const size_t close = nameStart + name.size();
          if (close < end && bytes[close] == 0x22 && sameAt(nameStart, name)) index = static_cast<int64_t>(expected);
        }
        size_t nameEnd;
        if (index >= 0) {
          nameEnd = nameStart + rule.fields[index].name.size();
        } else {
          int64_t e = stringEnd(nameStart);
          if (e < 0) return -1;
          nameEnd = static_cast<size_t>(e);
          const size_t length = nameEnd - nameStart;
          for (size_t i = 0; i < fieldCount; i++) {
            const std::string& name = rule.fields[i].name;
            if (name.size() == length && std::memcmp(bytes + nameStart, name.data(), length) == 0) {
              index = static_cast<int64_t>(i);
              break;
            }
          }
          if (index < 0) return -1;  // an unknown field: cleansing or the schema may have a say
        }
        if (rule.seen[index] == myStamp) return -1;  // a field twice: JSON.parse keeps the last
        rule.seen[index] = myStamp;
        expected = static_cast<size_t>(index) + 1;
        p = skipSpace(nameEnd + 1);
        if (p >= end || bytes[p] != 0x3a) return -1;
        p = skipSpace(p + 1);
        int64_t after = scanValue(ruleIndex, static_cast<size_t>(index), depth, index == eventIndex, p);
        if (after < 0) return -1;
        p = skipSpace(static_cast<size_t>(after));
        if (p >= end) return -1;
        const uint8_t c = bytes[p];
        if (c == 0x2c) {
          p = skipSpace(p + 1);
          continue;
        }
        if (c != 0x7d) return -1;
        p++;
        break;
      }
    }
    for (int index : rule.required) {
      if (rule.seen[index] != myStamp) return -1;
    }
    objectStamp = myStamp;
    return static_cast<int64_t>(p);
  }

  int64_t stringEnd(size_t start) {
    uint8_t high = 0;
    for (size_t i = start; i < end; i++) {
      const uint8_t c = bytes[i];
      if (c == 0x22) {
        stringAscii = high < 0x80;
        if (high >= 0x80) nonAscii = true;
        return static_cast<int64_t>(i);
      }
      if (c < 0x20 || c == 0x5c) return -1;
      high |= c;
    }
    return -1;
  }

  int64_t scanValue(int ruleIndex, size_t fieldIndex, int depth, bool isEventTime, size_t p) {
    if (p >= end) return -1;
    // (Nested scans may not move `objects`: it is only resized when the scanner is made.)
    const FieldRule& field = objects[ruleIndex].fields[fieldIndex];
    const uint8_t c = bytes[p];
    if (c == 0x22) {
      const size_t start = p + 1;
      const int64_t e = stringEnd(start);
      const bool ascii = stringAscii;
      if (e < 0 || (field.types & STRING) == 0 || field.coerced) return -1;
      const size_t stop = static_cast<size_t>(e);
      if (trim && stop > start && (trimmable(start, ascii) || trimmable(stop - 1, ascii))) return -1;
      // ajv counts code points: the bytes that do not continue a UTF-8 sequence.
      const double length = ascii ? static_cast<double>(stop - start) : codePoints(start, stop);
      if (length < field.minLength || length > field.maxLength) return -1;
      if (field.hasEnum) {
        bool found = false;
        for (const std::string& allowed : field.enumStrings) {
          if (allowed.size() == stop - start && sameAt(start, allowed)) {
            found = true;
            break;
          }
        }
        if (!found) return -1;
      }
      if (isEventTime) {
        eventKind = EventKind::String;
        eventStart = start;
        eventEnd = stop;
      }
      return e + 1;
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
      const int64_t after = scanNumber(p);
      if (after < 0 || (field.types & (NUMBER | INTEGER)) == 0) return -1;
      const double value = number;
      if ((field.types & NUMBER) == 0 && std::floor(value) != value) return -1;
      if (value < field.minimum || value > field.maximum) return -1;
      if (value <= field.exclusiveMinimum || value >= field.exclusiveMaximum) return -1;
      if (field.hasEnum) {
        bool found = false;
        for (double allowed : field.enumNumbers) {
          if (allowed == value) {
            found = true;
            break;
          }
        }
        if (!found) return -1;
      }
      if (isEventTime) {
        eventKind = EventKind::Number;
        eventNumber = value;
      }
      return after;
    }
    if (c == 0x7b) {
      if (field.object < 0 || isEventTime) return -1;
      return scanObject(field.object, depth + 1, -1, p);
    }
    if (c == 0x74 && sameAt(p, "true", 4)) {
      if ((field.types & BOOLEAN) == 0 || isEventTime || (field.hasEnum && !field.enumTrue)) return -1;
      return static_cast<int64_t>(p + 4);
    }
    if (c == 0x66 && sameAt(p, "false", 5)) {
      if ((field.types & BOOLEAN) == 0 || isEventTime || (field.hasEnum && !field.enumFalse)) return -1;
      return static_cast<int64_t>(p + 5);
    }
    if (c == 0x6e && sameAt(p, "null", 4)) {
      if ((field.types & NULL_TYPE) == 0 || (field.hasEnum && !field.enumNull)) return -1;
      if (isEventTime) eventKind = EventKind::Null;
      return static_cast<int64_t>(p + 4);
    }
    return -1;
  }

  // Whether the character whose byte is at p (a string's first, or the last byte of its last) is white space
  // that trimming removes; a non-ASCII one is decoded.
  bool trimmable(size_t p, bool ascii) const {
    const uint8_t c = bytes[p];
    if (ascii || c < 0x80) return isTrimmedSpace(c);
    size_t first = p;
    while (first > 0 && (bytes[first] & 0xc0) == 0x80) first--;
    uint32_t cp;
    if (!decodeOne(first, cp)) return false;  // not UTF-8: the line fails the UTF-8 check anyway
    return isTrimmedSpace(cp);
  }

  bool decodeOne(size_t at, uint32_t& cp) const {
    const uint8_t b0 = bytes[at];
    size_t n;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      n = 2;
      cp = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      n = 3;
      cp = b0 & 0x0f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      n = 4;
      cp = b0 & 0x07;
    } else {
      return false;
    }
    if (at + n > end) return false;
    for (size_t i = 1; i < n; i++) {
      const uint8_t b = bytes[at + i];
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    return true;
  }

  double codePoints(size_t start, size_t stop) const {
    double n = 0;
    for (size_t i = start; i < stop; i++)
      if ((bytes[i] & 0xc0) != 0x80) n++;
    return n;
  }

  // The number at `at` in JSON's grammar, into `number`; -1 when it is not one or is not finite.
  int64_t scanNumber(size_t at) {
    size_t p = at;
    bool negative = false;
    if (bytes[p] == 0x2d) {
      negative = true;
      p++;
    }
    uint64_t mantissa = 0;
    int digits = 0;
    int scale = 0;
    int c = p < end ? bytes[p] : -1;
    if (c == 0x30) {
      c = ++p < end ? bytes[p] : -1;
    } else if (c >= 0x31 && c <= 0x39) {
      do {
        if (digits < 19) mantissa = mantissa * 10 + static_cast<uint64_t>(c - 0x30);
        digits++;
        c = ++p < end ? bytes[p] : -1;
      } while (c >= 0x30 && c <= 0x39);
    } else {
      return -1;
    }
    if (c == 0x2e) {
      c = ++p < end ? bytes[p] : -1;
      if (!(c >= 0x30 && c <= 0x39)) return -1;
      do {
        if (digits < 19) mantissa = mantissa * 10 + static_cast<uint64_t>(c - 0x30);
        if (mantissa != 0) digits++;
        scale++;
        c = ++p < end ? bytes[p] : -1;
      } while (c >= 0x30 && c <= 0x39);
    }
    bool exact = digits <= 15 && scale <= 22;
    int64_t exponent = 0;
    if (c == 0x65 || c == 0x45) {
      exact = false;
      c = ++p < end ? bytes[p] : -1;
      bool exponentNegative = false;
      if (c == 0x2b || c == 0x2d) {
        exponentNegative = c == 0x2d;
        c = ++p < end ? bytes[p] : -1;
      }
      if (!(c >= 0x30 && c <= 0x39)) return -1;
      do {
        if (exponent < 1000000000) exponent = exponent * 10 + (c - 0x30);
        c = ++p < end ? bytes[p] : -1;
      } while (c >= 0x30 && c <= 0x39);
      if (exponentNegative) exponent = -exponent;
    }
    if (!exact) {
      double value = 0;
      const char* first = reinterpret_cast<const char*>(bytes + at);
      const char* last = reinterpret_cast<const char*>(bytes + p);
      const auto result = std::from_chars(first, last, value);
      if (result.ptr != last) return -1;
      if (result.ec == std::errc::result_out_of_range) {
        // Beyond a double's range: JSON.parse gives ±Infinity (not finite: in doubt) above it and ±0 below it.
        if (leadingDigitExponent(at, p, exponent) >= 0) return -1;
        value = negative ? -0.0 : 0.0;
      } else if (result.ec != std::errc() || !std::isfinite(value)) {
        return -1;
      }
      number = value;
      return static_cast<int64_t>(p);
    }
    static const double powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const double magnitude = scale == 0 ? static_cast<double>(mantissa) : static_cast<double>(mantissa) / powers[scale];
    number = negative ? -magnitude : magnitude;
    return static_cast<int64_t>(p);
  }

  // The power of ten of the first significant digit of the number bytes[at..stop) whose exponent part is
  // `exponent` (e.g. 3 for 1234.5, -2 for 0.012e0); called only for numbers that are not zero.
  int64_t leadingDigitExponent(size_t at, size_t stop, int64_t exponent) const {
    size_t p = at;
    if (bytes[p] == 0x2d) p++;
    int64_t integerDigits = 0;
    while (p < stop && bytes[p] >= 0x30 && bytes[p] <= 0x39) {
      integerDigits++;
      p++;
    }
    if (!(integerDigits == 1 && bytes[p - 1] == 0x30)) return integerDigits - 1 + exponent;
    int64_t k = 0;  // "0.": the first digit after the point that is not 0
    if (p < stop && bytes[p] == 0x2e) {
      for (p++; p < stop && bytes[p] == 0x30; p++) k++;
    }
    return -(k + 1) + exponent;
  }

  // Strict UTF-8, as Node's buffer.isUtf8: no overlong forms, no surrogates, nothing above U+10FFFF.
  static bool isUtf8(const uint8_t* s, size_t n) {
    size_t i = 0;
    while (i < n) {
      const uint8_t b0 = s[i];
      if (b0 < 0x80) {
        i++;
        continue;
      }
      size_t len;
      uint8_t lo = 0x80, hi = 0xbf;
      if (b0 >= 0xc2 && b0 <= 0xdf) {
        len = 2;
      } else if (b0 == 0xe0) {
        len = 3;
        lo = 0xa0;
      } else if (b0 >= 0xe1 && b0 <= 0xec) {
        len = 3;
      } else if (b0 == 0xed) {
        len = 3;
        hi = 0x9f;
      } else if (b0 >= 0xee && b0 <= 0xef) {
        len = 3;
      } else if (b0 == 0xf0) {
        len = 4;
        lo = 0x90;
      } else if (b0 >= 0xf1 && b0 <= 0xf3) {
        len = 4;
      } else if (b0 == 0xf4) {
        len = 4;
        hi = 0x8f;
      } else {
        return false;
      }
      if (i + len > n) return false;
      if (s[i + 1] < lo || s[i + 1] > hi) return false;
      for (size_t k = 2; k < len; k++)
        if ((s[i + k] & 0xc0) != 0x80) return false;
      i += len;
    }
    return true;
  }
};

// ---- Node-API glue ----

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

// The arguments both calls open with: (scanner, bytes: Uint8Array, start, end).
struct LineArgs {
  Scanner* scanner = nullptr;
  const uint8_t* bytes = nullptr;
  size_t start = 0;
  size_t end = 0;
  // Whether bytes is a Uint8Array and start..end a range inside it.
  bool inRange = false;
};

// Reads them; false when a Node-API call failed (an exception is then pending).
bool readLineArgs(napi_env env, const napi_value* args, LineArgs& out) {
  void* external;
  void* data;
  size_t length;
  napi_typedarray_type type;
  napi_value arrayBuffer;
  size_t offset;
  double start, end;
  if (napi_get_value_external(env, args[0], &external) != napi_ok ||
      napi_get_typedarray_info(env, args[1], &type, &length, &data, &arrayBuffer, &offset) != napi_ok ||
      napi_get_value_double(env, args[2], &start) != napi_ok || napi_get_value_double(env, args[3], &end) != napi_ok) {
    napi_throw_type_error(env, nullptr, "line scanner: expected (scanner, Uint8Array, start, end)");
    return false;
  }
  out.scanner = static_cast<Scanner*>(external);
  out.bytes = static_cast<const uint8_t*>(data);
  out.inRange = type == napi_uint8_array && start >= 0 && end >= start && end <= static_cast<double>(length);
  if (out.inRange) {
    out.start = static_cast<size_t>(start);
    out.end = static_cast<size_t>(end);
  }
  return true;
}

// check(scanner, bytes, start, end) → undefined (in doubt) | null (accepted, no event time) | number | string
napi_value Check(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  CALL(env, napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));
  LineArgs line;
  if (!readLineArgs(env, args, line)) return nullptr;
  Scanner* scanner = line.scanner;
  const uint8_t* bytes = line.bytes;
  napi_value result;
  if (!line.inRange || scanner->check(bytes, line.start, line.end) < 0) {
    CALL(env, napi_get_undefined(env, &result));
    return result;
  }
  switch (scanner->eventKind) {
    case EventKind::None:
    case EventKind::Null:
      CALL(env, napi_get_null(env, &result));
      break;
    case EventKind::Number:
      CALL(env, napi_create_double(env, scanner->eventNumber, &result));
      break;
    case EventKind::String:
      CALL(env, napi_create_string_utf8(env, reinterpret_cast<const char*>(bytes + scanner->eventStart),
                                        scanner->eventEnd - scanner->eventStart, &result));
      break;
  }
  return result;
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
  LineArgs line;
  if (!readLineArgs(env, args, line)) return nullptr;
  void* outData;
  size_t outLength;
  napi_typedarray_type outType;
  napi_value arrayBuffer;
  size_t offset;
  CALL(env, napi_get_typedarray_info(env, args[4], &outType, &outLength, &outData, &arrayBuffer, &offset));
  if (!line.inRange || outType != napi_float64_array || outLength < 4) {
    napi_throw_range_error(env, nullptr, "line scanner: checkLines got bad arguments");
    return nullptr;
  }
  Scanner* scanner = line.scanner;
  const uint8_t* bytes = line.bytes;
  auto* out = static_cast<double*>(outData);
  const size_t capacity = outLength / 4;
  const size_t end = line.end;
  size_t start = line.start;
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
      {"check", nullptr, Check, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"checkLines", nullptr, CheckLines, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  if (napi_define_properties(env, exports, 3, properties) != napi_ok) return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
