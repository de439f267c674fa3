// Replay tokens: "weft1:" followed by the base64url (no padding) encoding of
// the decision sequence, run-length coded as (value, run) pairs of LEB128
// varints, then a 16-bit FNV-1a checksum of those bytes. Runs make the long
// same-thread stretches of a schedule cost two bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::rt {

inline constexpr std::string_view token_prefix = "weft1:";

std::string encode_token(const std::vector<std::uint32_t>& decisions);

// Throws token_error with a message starting "malformed token: ".
std::vector<std::uint32_t> decode_token(std::string_view token);

struct token_error {
  std::string message;
};

}  // namespace weft::rt
