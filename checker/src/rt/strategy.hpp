// The search strategy: decides, at every scheduling point of an execution,
// which thread runs next and which way any other nondeterministic choice
// goes (spurious wake-up or not, ...). A small interface in the style of
// shuttle's Scheduler: random, PCT, DFS (with or without DPOR), preemption
// bounding and replay implement it.
//
// Concurrency contract: used from the checking OS thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rt/step_log.hpp"
#include "weft/seam/runtime.hpp"

namespace weft::rt {

// A scheduling point: the threads that may run next.
struct thread_choice {
  // The enabled threads, ascending, at least one. A thread that just
  // yielded is left out while another can run (fair scheduling), and so is
  // one whose next operation would block (lock of a held lock, join of a
  // running thread).
  std::span<const seam::thread_id> enabled;
  // The thread that reached the scheduling point; 0 when it blocked or
  // finished (then any choice is free).
  seam::thread_id current = 0;
  // Choosing another thread than `current` preempts it: it is enabled and
  // did not yield.
  bool preemptive = false;
  // `current` reached this point by yielding (it spins, waiting for another
  // thread): PCT lowers its priority.
  bool yielded = false;
};

// xoshiro256** seeded through splitmix64 (Blackman & Vigna): full-period,
// equidistributed output, so every run of choices has its fair probability.
// Inline: the random walk draws once per real choice.
class xoshiro256 {
 public:
  explicit xoshiro256(std::uint64_t seed) noexcept;

  std::uint64_t next() noexcept {
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

  // A uniform number in [0, n), n > 0, without modulo bias (Lemire's
  // multiply-shift on the high 32 bits: the division that finds the biased
  // zone runs only when the low half lands below n, rarely for small n).
  std::uint32_t below(std::uint32_t n) noexcept {
    std::uint64_t m = std::uint64_t{static_cast<std::uint32_t>(next() >> 32U)} * n;
    if (static_cast<std::uint32_t>(m) < n) {
      const std::uint32_t threshold = (0U - n) % n;
      while (static_cast<std::uint32_t>(m) < threshold)
        m = std::uint64_t{static_cast<std::uint32_t>(next() >> 32U)} * n;
    }
    return static_cast<std::uint32_t>(m >> 32U);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, unsigned k) noexcept {
    return (x << k) | (x >> (64U - k));
  }

  std::uint64_t s_[4];
};

class strategy {
 public:
  virtual ~strategy() = default;
  // Called before each execution; false when the search is complete (a
  // systematic strategy that explored its whole tree).
  virtual bool begin_execution() = 0;
  // Picks the next thread among `choice.enabled`; called at every
  // scheduling point, also when only one thread is enabled. nullopt means
  // the strategy has no decision (a replay ran out); `abandon` that the
  // rest of this execution can only repeat explored ones (a sleep-set
  // blocked DPOR execution) and should be cut short.
  static constexpr seam::thread_id abandon = 0;
  virtual std::optional<seam::thread_id> pick_thread(const thread_choice& choice) = 0;
  // Picks one of `n` (at least two) alternatives of another choice than a
  // thread (a spurious wake-up, ...).
  virtual std::optional<std::uint32_t> pick(std::uint32_t n) = 0;
  // Whether pick_thread must also see the points where one thread alone can
  // run. A strategy that counts steps (PCT) or may abandon any execution
  // (DPOR) says yes; the random walk and replay say no, and the execution
  // then runs the only candidate without asking: most points of a typical
  // test are such points, and asking costs a virtual call.
  [[nodiscard]] virtual bool wants_forced_points() const noexcept { return true; }
  // A strategy whose every thread choice among two or more is
  // `enabled[g.below(enabled.size())]` for a generator g (the random walk)
  // returns g: the execution then draws itself, without a virtual call per
  // scheduling point. The sequence of draws is the same either way.
  [[nodiscard]] virtual xoshiro256* uniform_generator() noexcept { return nullptr; }
  // Whether pick_thread may return a thread outside `choice.enabled` (a
  // replayed token of another test): then the execution checks each pick.
  [[nodiscard]] virtual bool may_diverge() const noexcept { return false; }
  // Whether the execution should record a step_log and report each step.
  [[nodiscard]] virtual bool wants_steps() const noexcept { return false; }
  // The last step of `log` was just closed.
  virtual void step_closed(const step_log& /*log*/) {}
  // Called after each execution.
  virtual void end_execution() {}
  // Decisions a replay still holds when the execution ends.
  [[nodiscard]] virtual std::size_t remaining() const noexcept { return 0; }
};

// The seeded random walk: a uniform choice at every branch point.
class random_strategy final : public strategy {
 public:
  explicit random_strategy(std::uint64_t seed) noexcept : rng_(seed) {}
  bool begin_execution() override { return true; }
  [[nodiscard]] bool wants_forced_points() const noexcept override { return false; }
  [[nodiscard]] xoshiro256* uniform_generator() noexcept override { return &rng_; }
  std::optional<seam::thread_id> pick_thread(const thread_choice& choice) override;
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
  bool begin_execution() override {
    next_ = 0;
    return true;
  }
  [[nodiscard]] bool wants_forced_points() const noexcept override { return false; }
  std::optional<seam::thread_id> pick_thread(const thread_choice& choice) override;
  std::optional<std::uint32_t> pick(std::uint32_t n) override;
  [[nodiscard]] std::size_t remaining() const noexcept override {
    return decisions_.size() - next_;
  }
  [[nodiscard]] bool may_diverge() const noexcept override { return true; }

 private:
  std::vector<std::uint32_t> decisions_;
  std::size_t next_ = 0;
};

}  // namespace weft::rt
