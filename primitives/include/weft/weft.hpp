// weft/weft.hpp: every weft primitive. Each also has its own header.
#pragma once

#include "weft/atomic.hpp"
#include "weft/barrier.hpp"
#include "weft/condition_variable.hpp"
#include "weft/deadlock_detector.hpp"
#include "weft/latch.hpp"
#include "weft/misuse.hpp"
#include "weft/mutex.hpp"
#include "weft/semaphore.hpp"
#include "weft/shared.hpp"
#include "weft/shared_mutex.hpp"
#include "weft/spin_lock.hpp"
#include "weft/task_future.hpp"
#include "weft/thread.hpp"
#include "weft/thread_pool.hpp"
#include "weft/ticket_lock.hpp"
