#include "report/token.hpp"

#include <array>
#include <cstddef>

namespace weft::rt {

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::uint16_t checksum(const std::vector<std::uint8_t>& bytes) noexcept {
  std::uint32_t h = 2166136261U;
  for (std::uint8_t b : bytes) {
    h ^= b;
    h *= 16777619U;
  }
  return static_cast<std::uint16_t>(h ^ (h >> 16U));
}

void put_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80U));
    v >>= 7U;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

[[noreturn]] void malformed(const std::string& why) {
  throw token_error{"malformed token: " + why};
}

std::uint64_t get_varint(const std::vector<std::uint8_t>& in, std::size_t& pos, std::size_t end) {
  std::uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (pos == end) malformed("truncated");
    const std::uint8_t b = in[pos++];
    v |= std::uint64_t{b & 0x7FU} << shift;
    if ((b & 0x80U) == 0) return v;
  }
  malformed("a number is too long");
}

}  // namespace

std::string encode_token(const std::vector<std::uint32_t>& decisions) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < decisions.size();) {
    std::size_t run = 1;
    while (i + run < decisions.size() && decisions[i + run] == decisions[i])
      ++run;
    put_varint(bytes, decisions[i]);
    put_varint(bytes, run);
    i += run;
  }
  const std::uint16_t sum = checksum(bytes);
  bytes.push_back(static_cast<std::uint8_t>(sum & 0xFFU));
  bytes.push_back(static_cast<std::uint8_t>(sum >> 8U));

  std::string out(token_prefix);
  std::uint32_t acc = 0;
  unsigned bits = 0;
  for (std::uint8_t b : bytes) {
    acc = (acc << 8U) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3FU];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 0x3FU];
  return out;
}

std::vector<std::uint32_t> decode_token(std::string_view token) {
  if (token.substr(0, token_prefix.size()) != token_prefix) {
    malformed("it does not start with \"" + std::string(token_prefix) +
              "\" (a token from another version of weft, or not a token)");
  }
  token.remove_prefix(token_prefix.size());
  std::vector<std::uint8_t> bytes;
  std::uint32_t acc = 0;
  unsigned bits = 0;
  for (char c : token) {
    const std::size_t digit = alphabet.find(c);
    if (digit == std::string_view::npos) malformed(std::string("unexpected character '") + c + "'");
    acc = (acc << 6U) | static_cast<std::uint32_t>(digit);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFFU));
    }
  }
  if (bytes.size() < 2) malformed("too short");
  const std::size_t end = bytes.size() - 2;
  const auto stored =
      static_cast<std::uint16_t>(bytes[end] | static_cast<unsigned>(bytes[end + 1] << 8U));
  bytes.resize(end);
  if (checksum(bytes) != stored) malformed("checksum mismatch (truncated or mistyped?)");

  std::vector<std::uint32_t> decisions;
  std::size_t pos = 0;
  while (pos < end) {
    const std::uint64_t value = get_varint(bytes, pos, end);
    const std::uint64_t run = get_varint(bytes, pos, end);
    if (value > UINT32_MAX || run == 0 || run > 100'000'000 ||
        decisions.size() + run > 100'000'000) {
      malformed("a decision run is out of range");
    }
    decisions.insert(decisions.end(), static_cast<std::size_t>(run),
                     static_cast<std::uint32_t>(value));
  }
  return decisions;
}

}  // namespace weft::rt
