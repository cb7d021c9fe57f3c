// The line check's scanner in C++ (Node-API): the same rules and answers as src/server/line-scanner.ts, which
// stays the reference and the fallback. It walks one NDJSON line's bytes against rules compiled from a
// stream's schema and answers the line's event value when it is sure the full path would accept the line
// unchanged, or undefined when in doubt — exactly as the JavaScript scanner answers, line for line (a test
// compares the two on random lines).
#pragma once

#include <clocale>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#if defined(__APPLE__)
#include <xlocale.h>
#endif

namespace sluice {

// strtod in the "C" locale whatever the process's is (a "." is the decimal point), correctly rounded as
// JavaScript's Number() is: ±0 below a double's range, ±HUGE_VAL above it.
#if defined(_WIN32)
double parseDouble(const char* text) {
  static const _locale_t c = _create_locale(LC_NUMERIC, "C");
  return _strtod_l(text, nullptr, c);
}
#else
double parseDouble(const char* text) {
  static const locale_t c = newlocale(LC_NUMERIC_MASK, "C", static_cast<locale_t>(0));
  return strtod_l(text, nullptr, c);
}
#endif

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
    if (c == 0x65 || c == 0x45) {
      exact = false;
      c = ++p < end ? bytes[p] : -1;
      if (c == 0x2b || c == 0x2d) c = ++p < end ? bytes[p] : -1;
      if (!(c >= 0x30 && c <= 0x39)) return -1;
      do c = ++p < end ? bytes[p] : -1;
      while (c >= 0x30 && c <= 0x39);
    }
    if (!exact) {
      // The text checked above, NUL-terminated for strtod (on the stack unless it is long).
      const size_t length = p - at;
      char small[64];
      std::string large;
      char* text = small;
      if (length >= sizeof small) {
        large.assign(reinterpret_cast<const char*>(bytes + at), length);
        text = &large[0];
      } else {
        std::memcpy(small, bytes + at, length);
        small[length] = 0;
      }
      const double value = parseDouble(text);
      if (!std::isfinite(value)) return -1;  // JSON.parse gives ±Infinity: in doubt
      number = value;
      return static_cast<int64_t>(p);
    }
    static const double powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const double magnitude = scale == 0 ? static_cast<double>(mantissa) : static_cast<double>(mantissa) / powers[scale];
    number = negative ? -magnitude : magnitude;
    return static_cast<int64_t>(p);
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

}  // namespace sluice
