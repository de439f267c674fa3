// A map from object addresses to per-object state (a vector clock, a lock's
// owner, a shadow word), for the checker's per-execution bookkeeping.
//
// An execution touches a handful of objects and a search runs millions of
// executions, so the map is built for being cleared and refilled: keys and
// values live in dense arrays in insertion order, found by a linear scan
// while there are few and through an open-addressing index (linear probing,
// at most half full) once there are more. clear() keeps every array and the
// values themselves, and a value is reset (its clear(), or assignment from
// V{}) when its slot is reused, so values that own storage keep it too: after
// its first executions a search allocates nothing here.
//
// There is no erase: callers store a "none" value instead (owner 0, an empty
// clock).
//
// Concurrency contract: none; one execution, one OS thread.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace weft::rt {

template <typename V>
class address_map {
 public:
  // The value for `key`, or nullptr.
  [[nodiscard]] V* find(const void* key) noexcept {
    const std::size_t i = index_of(key);
    return i == npos ? nullptr : &values_[i];
  }
  [[nodiscard]] const V* find(const void* key) const noexcept {
    const std::size_t i = index_of(key);
    return i == npos ? nullptr : &values_[i];
  }
  // The value for `key`, inserted empty if absent.
  V& operator[](const void* key) { return values_[index(key)]; }
  // The key's index, inserting it if absent. An index stays valid, and
  // names the same key, until clear(): callers may keep it instead of
  // looking the key up again.
  std::size_t index(const void* key) {
    const std::size_t i = index_of(key);
    return i == npos ? insert(key) : i;
  }
  V& at_index(std::size_t i) noexcept { return values_[i]; }
  [[nodiscard]] const V& at_index(std::size_t i) const noexcept { return values_[i]; }
  void clear() noexcept {
    size_ = 0;
    if (!slots_.empty()) std::fill(slots_.begin(), slots_.end(), 0U);
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  // Up to this many keys a scan of one cache line or two beats hashing.
  static constexpr std::size_t linear_limit = 16;

  [[nodiscard]] static std::size_t hash(const void* key) noexcept {
    // Fibonacci hashing of the address: the high bits of the product mix
    // every bit of the (aligned, so low-zero) address.
    const auto x = reinterpret_cast<std::uintptr_t>(key);
    return static_cast<std::size_t>((std::uint64_t{x} * 0x9e3779b97f4a7c15ULL) >> 32U);
  }

  [[nodiscard]] std::size_t index_of(const void* key) const noexcept {
    if (slots_.empty()) {
      for (std::size_t i = 0; i < size_; ++i) {
        if (keys_[i] == key) return i;
      }
      return npos;
    }
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t s = hash(key) & mask;; s = (s + 1) & mask) {
      const std::uint32_t slot = slots_[s];
      if (slot == 0) return npos;
      if (keys_[slot - 1] == key) return slot - 1;
    }
  }

  // Out of line: after a search's first executions every key is found,
  // and index() stays small enough to inline.
  [[gnu::noinline]] std::size_t insert(const void* key) {
    const std::size_t i = size_;
    if (i < keys_.size()) {
      keys_[i] = key;
      reset(values_[i]);
    } else {
      keys_.push_back(key);
      values_.emplace_back();
    }
    ++size_;
    if (!slots_.empty() && size_ * 2 <= slots_.size()) {
      place(i);
    } else if (!slots_.empty() || size_ > linear_limit) {
      rebuild();
    }
    return i;
  }

  void place(std::size_t i) noexcept {
    const std::size_t mask = slots_.size() - 1;
    std::size_t s = hash(keys_[i]) & mask;
    while (slots_[s] != 0)
      s = (s + 1) & mask;
    slots_[s] = static_cast<std::uint32_t>(i + 1);
  }

  [[gnu::noinline]] void rebuild() {
    slots_.assign(std::bit_ceil(std::max<std::size_t>(size_ * 4, 64)), 0U);
    for (std::size_t i = 0; i < size_; ++i)
      place(i);
  }

  static void reset(V& value) {
    if constexpr (requires { value.clear(); }) {
      value.clear();
    } else {
      value = V{};
    }
  }

  std::vector<const void*> keys_;     // keys_[0..size_) are live
  std::vector<V> values_;             // values_[i] belongs to keys_[i]
  std::vector<std::uint32_t> slots_;  // index + 1 into keys_, 0 = free; empty: scan
  std::size_t size_ = 0;
};

}  // namespace weft::rt
