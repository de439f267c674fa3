#include "weft/seam/runtime.hpp"

namespace weft::seam {

namespace internal {

std::atomic<int> g_runtimes_installed{0};

constinit thread_local runtime* t_runtime = nullptr;

}  // namespace internal

runtime* install(runtime* rt) noexcept {
  runtime* previous = internal::t_runtime;
  internal::t_runtime = rt;
  if (previous == nullptr && rt != nullptr) {
    internal::g_runtimes_installed.fetch_add(1, std::memory_order_relaxed);
  } else if (previous != nullptr && rt == nullptr) {
    internal::g_runtimes_installed.fetch_sub(1, std::memory_order_relaxed);
  }
  return previous;
}

std::string_view to_string(op_kind kind) noexcept {
  switch (kind) {
    case op_kind::lock:
      return "lock";
    case op_kind::try_lock:
      return "try_lock";
    case op_kind::unlock:
      return "unlock";
    case op_kind::lock_shared:
      return "lock_shared";
    case op_kind::try_lock_shared:
      return "try_lock_shared";
    case op_kind::unlock_shared:
      return "unlock_shared";
    case op_kind::wait:
      return "wait";
    case op_kind::notify_one:
      return "notify_one";
    case op_kind::notify_all:
      return "notify_all";
    case op_kind::acquire:
      return "acquire";
    case op_kind::try_acquire:
      return "try_acquire";
    case op_kind::release:
      return "release";
    case op_kind::count_down:
      return "count_down";
    case op_kind::arrive:
      return "arrive";
    case op_kind::destroy:
      return "destroy";
    case op_kind::submit:
      return "submit";
    case op_kind::shutdown:
      return "shutdown";
  }
  return "?";
}

std::string_view to_string(atomic_op op) noexcept {
  switch (op) {
    case atomic_op::load:
      return "load";
    case atomic_op::store:
      return "store";
    case atomic_op::exchange:
      return "exchange";
    case atomic_op::compare_exchange:
      return "compare_exchange";
    case atomic_op::fetch_add:
      return "fetch_add";
    case atomic_op::fetch_sub:
      return "fetch_sub";
    case atomic_op::fetch_and:
      return "fetch_and";
    case atomic_op::fetch_or:
      return "fetch_or";
    case atomic_op::fetch_xor:
      return "fetch_xor";
  }
  return "?";
}

}  // namespace weft::seam
