#include "rt/pct.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>

namespace weft::rt {

pct_strategy::pct_strategy(std::uint64_t seed, std::uint32_t depth)
    : rng_(seed), depth_(std::max(depth, 1U)) {
  change_points_.reserve(depth_ - 1);
}

bool pct_strategy::begin_execution() {
  // Also here, not only in end_execution: an execution cut short by the
  // caller may end without it.
  record_length();
  steps_ = 0;
  changes_made_ = 0;
  initial_order_.clear();
  std::fill(priority_.begin(), priority_.end(), std::nullopt);
  yield_floor_ = 0;

  // Distinct points, so that d - 1 of them fit an execution of k steps.
  // below() takes 32 bits; executions are bounded far below that by
  // max_steps.
  const auto k = static_cast<std::uint32_t>(std::min<std::uint64_t>(
      std::max<std::uint64_t>(estimate_, depth_ - 1), std::numeric_limits<std::uint32_t>::max()));
  change_points_.clear();
  while (change_points_.size() < depth_ - 1) {
    const std::uint64_t point = std::uint64_t{rng_.below(k)} + 1;
    if (std::find(change_points_.begin(), change_points_.end(), point) == change_points_.end())
      change_points_.push_back(point);
  }
  return true;
}

std::optional<seam::thread_id> pct_strategy::pick_thread(const thread_choice& choice) {
  ++steps_;
  for (const seam::thread_id id : choice.enabled)
    admit(id);
  if (choice.current != 0) {
    admit(choice.current);
    if (choice.yielded) lower(choice.current, yield_floor_--);
  }
  for (std::size_t i = 0; i < change_points_.size(); ++i) {
    if (change_points_[i] != steps_) continue;
    // k_i (i counted from 1) lowers to d - i.
    lower(highest(choice.enabled),
          static_cast<std::int64_t>(depth_) - static_cast<std::int64_t>(i + 1));
    ++changes_made_;
  }
  return highest(choice.enabled);
}

std::optional<std::uint32_t> pct_strategy::pick(std::uint32_t n) {
  return rng_.below(n);
}

void pct_strategy::end_execution() {
  record_length();
}

void pct_strategy::record_length() {
  // The guess stands only until an execution has been seen: then k is the
  // longest real one, however short, so that change points land in it.
  if (steps_ == 0) return;
  longest_ = std::max(longest_, steps_);
  estimate_ = longest_;
}

std::vector<seam::thread_id> pct_strategy::priority_order() const {
  std::vector<seam::thread_id> order = initial_order_;
  std::vector<seam::thread_id> changed;
  for (std::size_t id = 0; id < priority_.size(); ++id) {
    if (priority_[id] && *priority_[id] != initial)
      changed.push_back(static_cast<seam::thread_id>(id));
  }
  std::sort(changed.begin(), changed.end(),
            [this](seam::thread_id a, seam::thread_id b) { return *priority_[a] > *priority_[b]; });
  order.insert(order.end(), changed.begin(), changed.end());
  return order;
}

void pct_strategy::admit(seam::thread_id id) {
  if (id >= priority_.size()) priority_.resize(std::size_t{id} + 1);
  if (priority_[id]) return;
  // A uniform rank among the initial priorities: inserting each newcomer at
  // a uniform position keeps the whole order a uniform permutation.
  const std::uint32_t rank = rng_.below(static_cast<std::uint32_t>(initial_order_.size() + 1));
  initial_order_.insert(initial_order_.begin() + static_cast<std::ptrdiff_t>(rank), id);
  priority_[id] = initial;
}

void pct_strategy::lower(seam::thread_id id, std::int64_t priority) {
  if (priority_[id] == initial)
    initial_order_.erase(std::find(initial_order_.begin(), initial_order_.end(), id));
  priority_[id] = priority;
}

seam::thread_id pct_strategy::highest(std::span<const seam::thread_id> enabled) const {
  for (const seam::thread_id id : initial_order_) {
    if (std::binary_search(enabled.begin(), enabled.end(), id)) return id;
  }
  seam::thread_id best = enabled.front();
  for (const seam::thread_id id : enabled) {
    if (*priority_[id] > *priority_[best]) best = id;
  }
  return best;
}

}  // namespace weft::rt
