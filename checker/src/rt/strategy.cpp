#include "rt/strategy.hpp"

namespace weft::rt {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

std::uint64_t rotl(std::uint64_t x, unsigned k) noexcept {
  return (x << k) | (x >> (64U - k));
}

}  // namespace

xoshiro256::xoshiro256(std::uint64_t seed) noexcept {
  for (std::uint64_t& word : s_)
    word = splitmix64(seed);
}

std::uint64_t xoshiro256::next() noexcept {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17U;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint32_t xoshiro256::below(std::uint32_t n) noexcept {
  // Multiply-shift on the high 32 bits, rejecting the biased low zone.
  const std::uint32_t threshold = (0U - n) % n;
  for (;;) {
    const auto x = static_cast<std::uint32_t>(next() >> 32U);
    const std::uint64_t m = std::uint64_t{x} * n;
    if (static_cast<std::uint32_t>(m) >= threshold) return static_cast<std::uint32_t>(m >> 32U);
  }
}

std::optional<seam::thread_id> random_strategy::pick_thread(const thread_choice& choice) {
  if (choice.enabled.size() == 1) return choice.enabled.front();
  return choice.enabled[rng_.below(static_cast<std::uint32_t>(choice.enabled.size()))];
}

std::optional<std::uint32_t> random_strategy::pick(std::uint32_t n) {
  return rng_.below(n);
}

std::optional<seam::thread_id> replay_strategy::pick_thread(const thread_choice& choice) {
  // Only real choices are recorded in a token.
  if (choice.enabled.size() == 1) return choice.enabled.front();
  if (next_ == decisions_.size()) return std::nullopt;
  return decisions_[next_++];
}

std::optional<std::uint32_t> replay_strategy::pick(std::uint32_t /*n*/) {
  if (next_ == decisions_.size()) return std::nullopt;
  return decisions_[next_++];
}

}  // namespace weft::rt
