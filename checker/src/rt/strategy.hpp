// The search strategy: decides, at every branch point of an execution, which
// thread runs next and which way any other nondeterministic choice goes
// (spurious wake-up or not, ...). A small interface in the style of
// shuttle's Scheduler, so that PCT, DFS and preemption bounding can be added
// as further implementations.
//
// Concurrency contract: used from the checking OS thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "weft/seam/runtime.hpp"

namespace weft::rt {

class strategy {
 public:
  virtual ~strategy() = default;
  // Called before each execution.
  virtual void begin_execution() = 0;
  // Picks the next thread among `candidates` (ascending ids, at least two).
  // nullopt means the strategy has no decision (a replay ran out).
  virtual std::optional<seam::thread_id> pick_thread(std::span<const seam::thread_id> candidates,
                                                     seam::thread_id current) = 0;
  // Picks one of `n` (at least two) alternatives.
  virtual std::optional<std::uint32_t> pick(std::uint32_t n) = 0;
  // Decisions a replay still holds when the execution ends.
  [[nodiscard]] virtual std::size_t remaining() const noexcept { return 0; }
};

// xoshiro256** seeded through splitmix64 (Blackman & Vigna): full-period,
// equidistributed output, so every run of choices has its fair probability.
class xoshiro256 {
 public:
  explicit xoshiro256(std::uint64_t seed) noexcept;
  std::uint64_t next() noexcept;
  // A uniform number in [0, n), without modulo bias (Lemire's method).
  std::uint32_t below(std::uint32_t n) noexcept;

 private:
  std::uint64_t s_[4];
};

// The seeded random walk: a uniform choice at every branch point.
class random_strategy final : public strategy {
 public:
  explicit random_strategy(std::uint64_t seed) noexcept : rng_(seed) {}
  void begin_execution() override {}
  std::optional<seam::thread_id> pick_thread(std::span<const seam::thread_id> candidates,
                                             seam::thread_id current) override;
  std::optional<std::uint32_t> pick(std::uint32_t n) override;

 private:
  xoshiro256 rng_;
};

// Replays a recorded decision sequence. The values are returned as
// recorded; the execution checks that they fit (divergence).
class replay_strategy final : public strategy {
 public:
  explicit replay_strategy(std::vector<std::uint32_t> decisions) noexcept
      : decisions_(std::move(decisions)) {}
  void begin_execution() override { next_ = 0; }
  std::optional<seam::thread_id> pick_thread(std::span<const seam::thread_id> candidates,
                                             seam::thread_id current) override;
  std::optional<std::uint32_t> pick(std::uint32_t n) override;
  [[nodiscard]] std::size_t remaining() const noexcept override {
    return decisions_.size() - next_;
  }

 private:
  std::vector<std::uint32_t> decisions_;
  std::size_t next_ = 0;
};

}  // namespace weft::rt
