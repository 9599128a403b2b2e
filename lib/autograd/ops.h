#pragma once
// All differentiable ops on Vars.
#include "autograd/checkpoint.h"
#include "autograd/ops_attention.h"
#include "autograd/ops_elementwise.h"
#include "autograd/ops_index.h"
#include "autograd/ops_matmul.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/variable.h"
