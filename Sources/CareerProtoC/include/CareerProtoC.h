// Umbrella header: every protobuf-c message of Proto/career/v1.
#include "rpc.pb-c.h"
#include "health.pb-c.h"
#include "common.pb-c.h"
#include "generation.pb-c.h"
#include "coach.pb-c.h"
