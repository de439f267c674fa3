// weft/source_location.hpp
//
// `weft::source_location`: the call-site type every weft operation takes as a
// defaulted last parameter (`weft::source_location where =
// weft::source_location::current()`).
//
// It is std::source_location wherever the standard library provides it (g++
// 12 with libstdc++). clang 14 with libstdc++ lacks the builtin that
// libstdc++'s <source_location> needs, so there it is a small class with the
// same interface built on the __builtin_FILE/LINE/COLUMN/FUNCTION intrinsics,
// which, used as default arguments, capture the caller's location just as
// std::source_location::current() does. Always spell it weft::source_location
// in weft's code, so both compilers build the same sources (the tsan preset
// uses clang).
#pragma once

#include <cstdint>
#include <version>

#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace weft {

#if defined(__cpp_lib_source_location)

using source_location = std::source_location;

#else

class source_location {
 public:
  static constexpr source_location current(
      const char* file = __builtin_FILE(), const char* function = __builtin_FUNCTION(),
      std::uint_least32_t line = __builtin_LINE(),
      std::uint_least32_t column = __builtin_COLUMN()) noexcept {
    source_location location;
    location.file_ = file;
    location.function_ = function;
    location.line_ = line;
    location.column_ = column;
    return location;
  }

  constexpr source_location() noexcept = default;

  [[nodiscard]] constexpr std::uint_least32_t line() const noexcept { return line_; }
  [[nodiscard]] constexpr std::uint_least32_t column() const noexcept { return column_; }
  [[nodiscard]] constexpr const char* file_name() const noexcept { return file_; }
  [[nodiscard]] constexpr const char* function_name() const noexcept { return function_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  std::uint_least32_t line_ = 0;
  std::uint_least32_t column_ = 0;
};

#endif

}  // namespace weft
