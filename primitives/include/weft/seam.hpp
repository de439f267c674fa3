// weft/seam.hpp: everything of the seam (see weft/seam/runtime.hpp).
#pragma once

#include "weft/seam/atomic.hpp"
#include "weft/seam/clock.hpp"
#include "weft/seam/futex.hpp"
#include "weft/seam/object.hpp"
#include "weft/seam/runtime.hpp"
#include "weft/seam/thread.hpp"
