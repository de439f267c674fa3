#include "order_line.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace weft::scenarios::pizza {

namespace {

constexpr bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t';
}
constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

constexpr std::size_t decimal_digits(int n) noexcept {
  std::size_t digits = 1;
  for (; n >= 10; n /= 10)
    ++digits;
  return digits;
}

}  // namespace

std::optional<int> parse_order_line(std::string_view line) noexcept {
  if (line.size() > max_order_line_length) return std::nullopt;
  // One terminator at most: "\n", "\r\n", or the '\r' a reader splitting on
  // '\n' leaves behind.
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  while (!line.empty() && is_blank(line.front()))
    line.remove_prefix(1);
  while (!line.empty() && is_blank(line.back()))
    line.remove_suffix(1);
  // Checking the length first is what makes overflow impossible: at most
  // three digits are ever converted.
  if (line.empty() || line.size() > decimal_digits(max_pizzas)) return std::nullopt;
  if (line.front() == '0') return std::nullopt;  // "0", or a leading zero
  int pizzas = 0;
  for (const char c : line) {
    if (!is_digit(c)) return std::nullopt;
    pizzas = pizzas * 10 + (c - '0');
  }
  if (pizzas < min_pizzas || pizzas > max_pizzas) return std::nullopt;
  return pizzas;
}

std::string reply_to(std::string_view line) {
  const std::optional<int> pizzas = parse_order_line(line);
  if (!pizzas) return std::string(wrong_number_reply);
  return "Thank you for ordering " + std::to_string(*pizzas) + " pizzas!";
}

}  // namespace weft::scenarios::pizza
