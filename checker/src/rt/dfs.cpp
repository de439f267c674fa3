#include "rt/dfs.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <functional>

namespace weft::rt {

namespace {

// Whether a sleeping thread's step `asleep` (recorded in an earlier
// execution, when it was explored at a node where the execution had touched
// `known` locations) commutes with the step `now` of this execution.
// Locations numbered below `known` are the same objects in both executions;
// one numbered from `known` on may be a different object in each, so two
// such accesses are taken to be the same object.
bool independent(std::span<const step_access> asleep, std::span<const step_access> now,
                 location known) noexcept {
  for (const step_access& x : asleep) {
    for (const step_access& y : now) {
      const bool x_new = x.where >= known;
      const bool y_new = y.where >= known;
      const bool same = x_new && y_new ? true : (!x_new && !y_new && x.where == y.where);
      if (same && dependent(x.kind, y.kind)) return false;
    }
  }
  return true;
}

seam::thread_id lowest(std::uint64_t set) noexcept {
  return static_cast<seam::thread_id>(std::countr_zero(set)) + 1U;
}

void join_into(std::uint32_t* into, const std::uint32_t* from, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    into[i] = std::max(into[i], from[i]);
}

}  // namespace

dfs_strategy::dfs_strategy(bool reduction, std::optional<std::uint32_t> preemption_bound)
    : reduction_(reduction && !preemption_bound), max_preemptions_(preemption_bound) {
  if (max_preemptions_) work_.resize(std::size_t{*max_preemptions_} + 1);
}

void dfs_strategy::reset_execution() {
  depth_ = 0;
  replay_until_ = stack_.size();
  preemptions_ = 0;
  steps_seen_ = 0;
  node_of_step_.clear();
  pending_sleep_.clear();
  locations_seen_ = 0;
  clocks_.clear();
  thread_last_step_.assign(max_clock + 1, no_node);
  for (auto& entries : history_)
    entries.clear();
}

bool dfs_strategy::begin_execution() {
  if (!started_) {
    started_ = true;
    reset_execution();
    return true;
  }
  // Backtrack: the deepest node with a branch left to explore.
  while (stack_.size() > floor_) {
    node& n = stack_.back();
    if (n.data) {
      if (n.chosen + 1 < n.alternatives) {
        ++n.chosen;
        reset_execution();
        return true;
      }
    } else {
      const mask todo = n.backtrack & n.enabled & ~n.done & ~n.sleep_mask;
      if (todo != 0) {
        n.chosen = lowest(todo);
        n.done |= bit(n.chosen);
        reset_execution();
        return true;
      }
    }
    stack_.pop_back();
  }
  if (!next_work_item()) return false;
  reset_execution();
  return true;
}

bool dfs_strategy::next_work_item() {
  if (!max_preemptions_) return false;
  while (bound_ <= *max_preemptions_) {
    auto& queue = work_[bound_];
    if (!queue.empty()) {
      forced_ = std::move(queue.front());
      queue.pop_front();
      stack_.clear();
      floor_ = forced_.size();
      return true;
    }
    ++bound_;
  }
  return false;
}

std::optional<seam::thread_id> dfs_strategy::pick_thread(const thread_choice& choice) {
  mask enabled = 0;
  for (const seam::thread_id t : choice.enabled)
    enabled |= bit(t);
  const auto index = static_cast<std::uint32_t>(depth_);
  seam::thread_id chosen = 0;
  if (depth_ < replay_until_) {
    const node& n = stack_[depth_];
    // Another set of threads than last time: the test is not deterministic.
    if (n.data || n.enabled != enabled) return std::nullopt;
    chosen = n.chosen;
  } else {
    node n;
    n.enabled = enabled;
    n.locations = locations_seen_;
    if (depth_ < forced_.size()) {
      chosen = forced_[depth_];
      if ((enabled & bit(chosen)) == 0) return std::nullopt;
      n.chosen = chosen;
      n.backtrack = n.done = bit(chosen);
      stack_.push_back(std::move(n));
    } else {
      chosen = new_thread_node(choice);
      if (chosen == abandon) return abandon;
    }
  }
  ++depth_;
  if (choice.preemptive && chosen != choice.current) ++preemptions_;
  node_of_step_.resize(steps_seen_, no_node);
  node_of_step_.push_back(index);
  return chosen;
}

seam::thread_id dfs_strategy::new_thread_node(const thread_choice& choice) {
  node n;
  n.locations = locations_seen_;
  for (const seam::thread_id t : choice.enabled)
    n.enabled |= bit(t);
  if (reduction_) {
    n.sleep = pending_sleep_;
    for (const sleeper& s : n.sleep)
      n.sleep_mask |= bit(s.thread);
  }
  const mask awake = n.enabled & ~n.sleep_mask;
  if (awake == 0) return abandon;  // every enabled thread is asleep
  // By default the running thread goes on: no preemption.
  const seam::thread_id chosen =
      choice.current != 0 && (awake & bit(choice.current)) != 0 ? choice.current : lowest(awake);
  n.chosen = chosen;
  n.done = bit(chosen);
  if (reduction_) {
    n.backtrack = bit(chosen);  // races add more
  } else if (max_preemptions_) {
    for (const seam::thread_id t : choice.enabled) {
      const std::uint32_t after = preemptions_ + (choice.preemptive && t != choice.current ? 1 : 0);
      if (after <= bound_) {
        n.backtrack |= bit(t);
      } else if (after <= *max_preemptions_) {
        // The root of a subtree of the next iteration.
        std::vector<std::uint32_t> prefix;
        prefix.reserve(stack_.size() + 1);
        for (const node& above : stack_)
          prefix.push_back(above.chosen);
        prefix.push_back(t);
        work_[after].push_back(std::move(prefix));
      }
    }
  } else {
    n.backtrack = n.enabled;
  }
  stack_.push_back(std::move(n));
  return chosen;
}

std::optional<std::uint32_t> dfs_strategy::pick(std::uint32_t n) {
  if (depth_ < replay_until_) {
    const node& d = stack_[depth_];
    if (!d.data || d.alternatives != n) return std::nullopt;
    ++depth_;
    return d.chosen;
  }
  node d;
  d.data = true;
  d.alternatives = n;
  d.chosen = depth_ < forced_.size() ? forced_[depth_] : 0;
  if (d.chosen >= n) return std::nullopt;
  stack_.push_back(std::move(d));
  ++depth_;
  return stack_.back().chosen;
}

// --- Reduction ----------------------------------------------------------------

void dfs_strategy::step_closed(const step_log& log) {
  const auto step = static_cast<std::uint32_t>(log.size() - 1);
  steps_seen_ = step + 1;
  if (node_of_step_.size() <= step) node_of_step_.resize(std::size_t{step} + 1, no_node);
  add_step_clock(log, step);
  find_races(log, step);
  propagate_sleep(log, step);
  for (const step_access& a : log.accesses(log[step])) {
    if (a.where >= history_.size()) history_.resize(std::size_t{a.where} + 1);
    history_[a.where].emplace_back(step, a.kind);
  }
  locations_seen_ = static_cast<location>(log.location_count());
}

void dfs_strategy::add_step_clock(const step_log& log, std::uint32_t step) {
  clocks_.resize((std::size_t{step} + 1) * max_clock, 0);
  std::uint32_t* clock = clock_of(step);
  const seam::thread_id thread = log[step].thread;
  const std::uint32_t previous = thread_last_step_[thread];
  std::uint32_t local = 1;
  if (previous != no_node) {
    std::copy_n(clock_of(previous), max_clock, clock);
    local = clock[thread - 1] + 1;
  }
  for (const std::uint32_t from : log.edges(log[step]))
    join_into(clock, clock_of(from), max_clock);
  std::copy_n(clock, max_clock, before_.begin());
  // Conflicting earlier steps: the last write of each location covers
  // everything before it, so the scan stops there.
  for (const step_access& a : log.accesses(log[step])) {
    if (a.where >= history_.size()) continue;
    const auto& entries = history_[a.where];
    for (std::size_t i = entries.size(); i-- > 0;) {
      const auto [earlier, kind] = entries[i];
      if (dependent(a.kind, kind)) join_into(clock, clock_of(earlier), max_clock);
      if (kind != access_kind::read) break;
    }
  }
  clock[thread - 1] = local;
  thread_last_step_[thread] = step;
}

void dfs_strategy::find_races(const step_log& log, std::uint32_t step) {
  const seam::thread_id thread = log[step].thread;
  // What orders the step after others without its own conflicts: program
  // order and edges (add_step_clock kept it).
  std::array<std::uint32_t, max_clock> before = before_;
  candidates_.clear();
  for (const step_access& a : log.accesses(log[step])) {
    if (a.where >= history_.size()) continue;
    for (const auto& [earlier, kind] : history_[a.where]) {
      if (log[earlier].thread != thread && dependent(a.kind, kind)) candidates_.push_back(earlier);
    }
  }
  std::sort(candidates_.begin(), candidates_.end(), std::greater<>());
  candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());

  for (const std::uint32_t earlier : candidates_) {
    const seam::thread_id other = log[earlier].thread;
    const std::uint32_t index = clock_of(earlier)[other - 1];
    if (before[other - 1] >= index) continue;  // ordered through other steps
    // An unlock and the guarded lock() it let through are ordered but never
    // co-enabled: not a race; look further back (to the previous lock()).
    if (!reversible_pair(log, earlier, step)) continue;
    const std::uint32_t at = node_of_step_[earlier];
    if (at == no_node) continue;  // a forced step: no alternative there
    node& n = stack_[at];
    const mask initial = initials(log, earlier, step);
    // The step's own thread could not run there and nothing in between
    // enables it: only `earlier` does (an unlock and the lock() it let
    // through), so the two are never co-enabled.
    if ((initial & bit(thread)) != 0 && (n.enabled & bit(thread)) == 0 &&
        first_in_v_[thread] == step) {
      continue;
    }
    const mask possible = initial & n.enabled;
    // Not reversible here (the initials were not enabled, e.g. a lock()
    // while `earlier` held the lock): look further back.
    if (possible == 0) continue;
    if ((initial & (n.backtrack | n.done | n.sleep_mask)) == 0) {
      n.backtrack |= (possible & bit(thread)) != 0 ? bit(thread) : (possible & (~possible + 1));
    }
    join_into(before.data(), clock_of(earlier), max_clock);
  }
}

bool dfs_strategy::reversible_pair(const step_log& log, std::uint32_t earlier,
                                   std::uint32_t later) noexcept {
  for (const step_access& a : log.accesses(log[later])) {
    for (const step_access& b : log.accesses(log[earlier])) {
      if (a.where == b.where && reversible(b.kind, a.kind)) return true;
    }
  }
  return false;
}

dfs_strategy::mask dfs_strategy::initials(const step_log& log, std::uint32_t earlier,
                                          std::uint32_t later) {
  // v: the steps after `earlier` that do not happen after it, then `later`.
  // An initial is a thread whose first step in v has no predecessor in v.
  const seam::thread_id other = log[earlier].thread;
  const std::uint32_t index = clock_of(earlier)[other - 1];
  first_in_v_.assign(max_clock + 1, no_node);
  std::array<bool, max_clock + 1> seen{};
  std::array<seam::thread_id, max_clock + 1> order{};
  std::size_t count = 0;
  for (std::uint32_t s = earlier + 1; s < later; ++s) {
    const seam::thread_id t = log[s].thread;
    if (seen[t]) continue;
    seen[t] = true;  // its later steps follow this one in program order
    if (clock_of(s)[other - 1] >= index) continue;  // happens after `earlier`
    first_in_v_[t] = s;
    order[count++] = t;
  }
  const seam::thread_id last = log[later].thread;
  if (first_in_v_[last] == no_node) {
    first_in_v_[last] = later;
    order[count++] = last;
  }
  mask result = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint32_t first = first_in_v_[order[i]];
    bool initial = true;
    for (std::size_t j = 0; j < i && initial; ++j) {
      const std::uint32_t pred = first_in_v_[order[j]];
      const seam::thread_id pt = order[j];
      if (clock_of(first)[pt - 1] >= clock_of(pred)[pt - 1]) initial = false;
    }
    if (initial) result |= bit(order[i]);
  }
  return result;
}

const std::vector<step_access>* dfs_strategy::explored_step(const sleeper& s) const {
  for (const auto& [thread, accesses] : stack_[s.explored_at].explored) {
    if (thread == s.thread) return &accesses;
  }
  return nullptr;
}

void dfs_strategy::record_explored(node& n, seam::thread_id thread,
                                   std::span<const step_access> accesses) {
  for (const auto& entry : n.explored) {
    if (entry.first == thread) return;
  }
  n.explored.emplace_back(thread, std::vector<step_access>(accesses.begin(), accesses.end()));
}

void dfs_strategy::propagate_sleep(const step_log& log, std::uint32_t step) {
  const std::span<const step_access> touched = log.accesses(log[step]);
  const auto stays_asleep = [&](const sleeper& s) {
    const std::vector<step_access>* next = explored_step(s);
    return next != nullptr && independent(*next, touched, stack_[s.explored_at].locations);
  };
  const std::uint32_t at = node_of_step_[step];
  if (at == no_node) {
    std::erase_if(pending_sleep_, [&](const sleeper& s) { return !stays_asleep(s); });
    return;
  }
  node& n = stack_[at];
  const seam::thread_id thread = log[step].thread;
  record_explored(n, thread, touched);
  std::vector<sleeper> next;
  for (const sleeper& s : n.sleep) {
    if (s.thread != thread && stays_asleep(s)) next.push_back(s);
  }
  // Siblings explored before this branch sleep in its subtree.
  for (mask rest = n.done & ~bit(thread); rest != 0; rest &= rest - 1) {
    const sleeper s{lowest(rest), at};
    if (stays_asleep(s)) next.push_back(s);
  }
  pending_sleep_ = std::move(next);
}

}  // namespace weft::rt
