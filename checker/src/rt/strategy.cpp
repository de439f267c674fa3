#include "rt/strategy.hpp"

namespace weft::rt {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

}  // namespace

xoshiro256::xoshiro256(std::uint64_t seed) noexcept {
  for (std::uint64_t& word : s_)
    word = splitmix64(seed);
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
