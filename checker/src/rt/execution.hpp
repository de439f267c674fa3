// One execution of a test under the checker: the seam::runtime that runs
// every model thread as a fiber on the calling OS thread, turns seam
// operations into scheduling points, models blocking (futex parking, join),
// sends every decision through one branch point to the strategy, and records
// the first finding.
//
// Phases. `running`: the search proper; decisions go to the strategy and
// are recorded, findings are recorded. After the first finding, `draining`:
// the remaining threads run on in a fixed round-robin order (nothing is
// recorded) so that they finish normally wherever they can. Whatever cannot
// finish (blocked, or still running after max_steps more steps) is then
// `unwinding`: each such fiber is resumed with an exception that unwinds its
// stack, and every seam hook becomes a no-op.
//
// Concurrency contract: an execution is used on one OS thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/race.hpp"
#include "detect/vector_clock.hpp"
#include "rt/fiber.hpp"
#include "rt/strategy.hpp"
#include "weft/check.hpp"
#include "weft/seam/runtime.hpp"

namespace weft::rt {

// A public operation of a primitive that a thread is inside.
struct op_frame {
  seam::object_ref object;
  seam::op_kind kind;
  weft::source_location where;
};

enum class thread_state : std::uint8_t { runnable, blocked_futex, blocked_join, finished };

class execution;

struct model_thread {
  execution* owner = nullptr;
  seam::thread_id id = 0;
  std::function<void()> body;
  std::unique_ptr<fiber> fib;  // created when the thread first runs
  thread_state state = thread_state::runnable;
  const void* futex_word = nullptr;
  std::optional<seam::time_point> deadline;  // of a timed futex wait
  seam::wait_result wake_result = seam::wait_result::woken;
  seam::thread_id join_target = 0;
  std::vector<op_frame> ops;    // innermost last
  bool handle_alive = false;    // a weft::thread still owns it, unjoined
  bool unwind_pending = false;  // throw the unwinding exception when resumed
  bool unwinding = false;       // it has been thrown
  vector_clock clock;           // happens-before, for the race detector
};

struct finding {
  finding_kind kind = finding_kind::none;
  std::string message;
  std::vector<std::string> details;
};

enum class phase : std::uint8_t { running, draining, unwinding };

class execution final : public seam::runtime {
 public:
  execution(const check_options& options, strategy& strat, stack_pool& stacks, bool tracing);
  execution(const execution&) = delete;
  execution& operator=(const execution&) = delete;
  ~execution() override;

  // Runs `test` as the main thread (id 1) until every thread has finished.
  void run(const std::function<void()>& test);

  [[nodiscard]] const std::optional<finding>& failure() const noexcept { return failure_; }
  [[nodiscard]] const std::vector<std::uint32_t>& decisions() const noexcept { return decisions_; }
  [[nodiscard]] std::vector<trace_step>& trace() noexcept { return trace_; }
  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }

  // The execution running on this OS thread, if any.
  static execution* current() noexcept;
  void assertion_failed(const char* expression, weft::source_location where);

  // seam::runtime
  void atomic_access(const void* address, seam::atomic_op op, std::memory_order order,
                     weft::source_location where) override;
  seam::wait_result futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                               std::optional<seam::time_point> deadline) override;
  void futex_wake(const std::atomic<std::uint32_t>& word, int count) override;
  void yield() override;
  seam::thread_id current_thread() noexcept override { return current_; }
  std::unique_ptr<seam::thread_handle> spawn(std::function<void()> body) override;
  seam::time_point now() override { return clock_; }
  void plain_access(const void* address, bool is_write, weft::source_location where) override;
  void op_begin(const seam::object_ref& object, seam::op_kind kind,
                weft::source_location where) override;
  void op_end(const seam::object_ref& object, seam::op_kind kind, bool succeeded) override;
  void misuse(const seam::misuse_report& report) override;

  // For model thread handles.
  void join(seam::thread_id target);
  void detach(seam::thread_id target);
  void drop_handle(seam::thread_id target);

 private:
  static void fiber_entry(void* arg);
  model_thread& thread(seam::thread_id id) { return *threads_[id - 1]; }
  model_thread& self() { return thread(current_); }
  [[nodiscard]] bool running() const noexcept { return phase_ == phase::running; }

  void schedule();  // a scheduling point of the current thread
  void block();     // the current thread is not runnable: switch away
  void switch_to_scheduler();
  seam::thread_id choose();  // the next thread, 0 if none can run
  // The branch point: every decision of an execution goes through here.
  // With `threads` non-empty it picks one of them, otherwise one of
  // `alternatives` (returned as an index).
  std::uint32_t branch(std::span<const seam::thread_id> threads, std::uint32_t alternatives);
  void diverged(const std::string& why);
  void time_out(model_thread& t);
  void finish(model_thread& t);
  void unwind_all();
  void report_deadlock();
  void check_end();
  void fail(finding_kind kind, std::string message, std::vector<std::string> details = {});

  void trace(std::string operation, std::string object, std::string detail,
             weft::source_location where);
  std::string name_of(const void* address, std::string_view type);
  static std::string thread_name(seam::thread_id id);

  // Happens-before edges (see "Data races" in docs/architecture.md).
  void acquire(const vector_clock& from) { self().clock.join(from); }
  void release(vector_clock& to) {
    to.join(self().clock);
    self().clock.increment(current_);
  }
  void synchronize(const void* address, seam::atomic_op op, std::memory_order order);
  void check_race(const void* address, bool is_write, weft::source_location where);

  check_options options_;
  strategy& strategy_;
  stack_pool& stacks_;
  bool tracing_;
  execution* previous_execution_ = nullptr;
  seam::runtime* previous_runtime_ = nullptr;

  std::vector<std::unique_ptr<model_thread>> threads_;
  seam::thread_id current_ = 0;
  seam::thread_id next_ = 0;
  phase phase_ = phase::running;
  std::uint64_t steps_ = 0;
  std::uint64_t drain_steps_ = 0;
  seam::time_point clock_;

  // Parked threads per futex word, in arrival order (Linux wakes FIFO).
  std::unordered_map<const void*, std::deque<seam::thread_id>> parked_;
  // Who holds each lock-like object (from completed lock operations): the
  // owners in a deadlock's wait-for graph.
  std::unordered_map<const void*, seam::thread_id> lock_owner_;

  // The race detector's state: a clock per atomic address (what its release
  // stores published) and per primitive object (scenario grain: what its
  // operations published).
  race_detector races_;
  std::unordered_map<const void*, vector_clock> atomic_clocks_;
  std::unordered_map<const void*, vector_clock> object_clocks_;

  std::optional<finding> failure_;
  std::vector<std::uint32_t> decisions_;
  std::vector<trace_step> trace_;
  std::unordered_map<const void*, std::string> names_;
  std::map<std::string, unsigned, std::less<>> name_counts_;
};

}  // namespace weft::rt
