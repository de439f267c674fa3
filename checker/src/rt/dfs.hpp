// Systematic strategies: exhaustive depth-first search of the schedule tree,
// with or without dynamic partial-order reduction, and iterative
// preemption bounding.
//
// The tree. Every scheduling point of an execution is a node: the enabled
// threads are its branches (a thread that would block at once is not
// enabled, see execution.hpp). Other nondeterministic choices (a spurious
// wake-up) are nodes whose branches are the alternatives; all of them are
// always explored. The search is stateless: each execution re-runs the test
// from the start, replays the choices of the path to the node being
// backtracked, then continues with default choices (the running thread if it
// is enabled, else the lowest-numbered one) and records the new nodes.
//
// Reduction (source DPOR with sleep sets, Abdulla, Aronis, Jonsson and
// Sagonas, POPL 2014). Two steps of different threads conflict when they
// touch a common location and one writes (execution.hpp says what a
// location is at each grain). Happens-before is program order, spawn, join,
// wake-up, and conflict, tracked with a vector clock per step. When a step e
// conflicts with an earlier step e' that does not happen before it through
// other steps (a race), the search must also try an order that puts e
// first: at the node before e' it adds one of the "initials" of the steps
// that would have to move with e (unless one is already explored or
// scheduled). A race whose reversal is impossible there (its initials were
// not enabled, e.g. a lock() of a lock e' held) is skipped and the search
// looks further back, which is how a lock() races with the previous lock()
// rather than with the unlock() that enabled it. Sleep sets keep a thread
// that was explored at a node asleep in the sibling subtrees until a
// conflicting step wakes it; an execution in which every enabled thread is
// asleep is abandoned (counted as sleep-set blocked, never as a pass). The
// result: one complete execution per equivalence class of interleavings
// (per distinct order of conflicting steps) on the tests we measured; in
// general source DPOR may add sleep-set blocked executions, never
// redundant complete ones.
//
// Preemption bounding (Musuvathi and Qadeer, PLDI 2007). Choosing another
// thread while the running one is still enabled and did not yield is a
// preemption. Iteration c explores, without reduction, every schedule with
// exactly c preemptions: a choice that would make c + 1 is queued as the
// root of a subtree for the next iteration, so no schedule runs twice.
//
// Concurrency contract: used from the checking OS thread only.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "rt/step_log.hpp"
#include "rt/strategy.hpp"

namespace weft::rt {

class dfs_strategy final : public strategy {
 public:
  // `reduction`: source DPOR with sleep sets. `preemption_bound`: iterative
  // preemption bounding up to this many preemptions (without reduction).
  dfs_strategy(bool reduction, std::optional<std::uint32_t> preemption_bound);

  bool begin_execution() override;
  std::optional<seam::thread_id> pick_thread(const thread_choice& choice) override;
  std::optional<std::uint32_t> pick(std::uint32_t n) override;
  [[nodiscard]] bool wants_steps() const noexcept override { return reduction_; }
  void step_closed(const step_log& log) override;

 private:
  using mask = std::uint64_t;  // a set of thread ids (bit id - 1)
  static constexpr std::uint32_t no_node = ~std::uint32_t{0};

  // A sleeping thread, and the node where it was explored (whose record of
  // its step says what that step touches).
  struct sleeper {
    seam::thread_id thread = 0;
    std::uint32_t explored_at = 0;
  };
  struct node {
    bool data = false;               // a choice between alternatives, not threads
    std::uint32_t alternatives = 0;  // data
    std::uint32_t chosen = 0;        // a thread id, or an alternative
    mask enabled = 0;
    mask backtrack = 0;  // threads the search must explore from here
    mask done = 0;       // threads explored (or being explored) from here
    std::vector<sleeper> sleep;
    mask sleep_mask = 0;
    location locations = 0;  // how many locations the execution had touched here
    // The step each explored thread took from here (reduction only).
    std::vector<std::pair<seam::thread_id, std::vector<step_access>>> explored;
  };

  [[nodiscard]] static mask bit(seam::thread_id t) noexcept {
    return t == 0 ? 0 : mask{1} << ((t - 1U) & 63U);  // thread ids are 1..64
  }
  [[nodiscard]] const std::vector<step_access>* explored_step(const sleeper& s) const;
  static void record_explored(node& n, seam::thread_id thread,
                              std::span<const step_access> accesses);
  seam::thread_id new_thread_node(const thread_choice& choice);
  bool next_work_item();
  void reset_execution();

  // Reduction: the happens-before clock of each step of this execution and
  // the races it finds.
  [[nodiscard]] std::uint32_t* clock_of(std::uint32_t step) noexcept {
    return clocks_.data() + std::size_t{step} * max_clock;
  }
  void add_step_clock(const step_log& log, std::uint32_t step);
  void find_races(const step_log& log, std::uint32_t step);
  [[nodiscard]] static bool reversible_pair(const step_log& log, std::uint32_t earlier,
                                            std::uint32_t later) noexcept;
  [[nodiscard]] mask initials(const step_log& log, std::uint32_t earlier, std::uint32_t later);
  void propagate_sleep(const step_log& log, std::uint32_t step);

  static constexpr std::size_t max_clock = 64;  // weft::max_threads

  bool reduction_;
  std::optional<std::uint32_t> max_preemptions_;
  bool started_ = false;

  std::vector<node> stack_;
  std::size_t floor_ = 0;  // nodes below are a preemption-bounding work item's fixed prefix

  // This execution.
  std::size_t depth_ = 0;         // the next node
  std::size_t replay_until_ = 0;  // nodes below are replayed
  std::uint32_t preemptions_ = 0;
  std::uint32_t steps_seen_ = 0;
  location locations_seen_ = 0;
  std::vector<std::uint32_t> node_of_step_;
  std::vector<sleeper> pending_sleep_;  // for the next thread node
  std::vector<std::uint32_t> clocks_;   // max_clock entries per step
  std::vector<std::uint32_t> thread_last_step_;
  // Per location: the steps that touched it, in order.
  std::vector<std::vector<std::pair<std::uint32_t, access_kind>>> history_;
  std::array<std::uint32_t, max_clock> before_{};  // the last step's clock without conflicts
  std::vector<std::uint32_t> candidates_;          // scratch: racing steps
  std::vector<std::uint32_t> first_in_v_;          // scratch: per thread

  // Preemption bounding.
  std::uint32_t bound_ = 0;
  std::vector<std::deque<std::vector<std::uint32_t>>> work_;  // per bound: prefixes
  std::vector<std::uint32_t> forced_;                         // the current item's prefix
};

}  // namespace weft::rt
