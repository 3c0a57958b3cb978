from fractions import Fraction as F
import sys

variants = {
 2: dict(
   BT=[[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]],
   G=[[1,0,0],[F(1,2),F(1,2),F(1,2)],[F(1,2),F(-1,2),F(1,2)],[0,0,1]],
   AT=[[1,1,1,0],[0,1,-1,-1]]),
 4: dict(
   BT=[[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],[0,-2,-1,2,1,0],[0,2,-1,-2,1,0],[0,4,0,-5,0,1]],
   G=[[F(1,4),0,0],[F(-1,6),F(-1,6),F(-1,6)],[F(-1,6),F(1,6),F(-1,6)],[F(1,24),F(1,12),F(1,6)],[F(1,24),F(-1,12),F(1,6)],[0,0,1]],
   AT=[[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]]),
}

def T(M): return [list(r) for r in zip(*M)]

def lit(c):
    c = F(c)
    v = float(c)
    if c.denominator == 1: return "%d" % c.numerator
    return repr(v) if len(repr(v)) < 12 else "(%d.0 / %d.0)" % (c.numerator, c.denominator)

def onedim(name, M, typ):
    # y_i = sum_k M[i][k] x_k
    rows, cols = len(M), len(M[0])
    args = ", ".join("_ x%d: %s" % (k, typ) for k in range(cols))
    ret = "(" + ", ".join([typ]*rows) + ")"
    out = ["@inline(__always)", "private func %s(%s) -> %s {" % (name, args, ret)]
    names = []
    for i in range(rows):
        terms = [(F(M[i][k]), k) for k in range(cols) if M[i][k] != 0]
        # One statement per term keeps Swift's type checker fast.
        decl = "var" if len(terms) > 1 else "let"
        for n, (c, k) in enumerate(terms):
            x = "x%d" % k
            if n == 0:
                if c == 1: e = x
                elif c == -1: e = "-" + x
                else: e = "%s * (%s as Float)" % (x, lit(c))
                out.append("    %s y%d: %s = %s" % (decl, i, typ, e))
            else:
                op = "+=" if c > 0 else "-="
                a = abs(c)
                e = x if a == 1 else "%s * (%s as Float)" % (x, lit(a))
                out.append("    y%d %s %s" % (i, op, e))
        if not terms:
            out.append("    let y%d: %s = %s" % (i, typ, "%s()" % typ if typ != "Float" else "0"))
        names.append("y%d" % i)
    out.append("    return (" + ", ".join(names) + ")")
    out.append("}")
    return "\n".join(out)

def gen(m):
    v = variants[m]; BT, G, AT = v["BT"], v["G"], v["AT"]
    a = m + 2
    s = []
    S = "SIMD8<Float>"
    for typ in ["Float", S]:
        s.append(onedim("f%dInput" % m, BT, typ))            # Bᵀ x
        s.append(onedim("f%dInputAdjoint" % m, T(BT), typ))  # B x
        s.append(onedim("f%dOutput" % m, AT, typ))           # Aᵀ x
        s.append(onedim("f%dOutputAdjoint" % m, T(AT), typ)) # A x
    s.append(onedim("f%dWeight" % m, G, "Float"))            # G x
    s.append(onedim("f%dWeightAdjoint" % m, T(G), "Float"))  # Gᵀ x
    A = range(a); Mr = range(m)

    # ---- input transform
    def input_body(load, store):
        L = []
        for l in A:
            L.append("            let c%d = f%dInput(%s)" % (l, m, ", ".join(load(k, l) for k in A)))
        for i in A:
            L.append("            let q%d = f%dInput(%s)" % (i, m, ", ".join("c%d.%d" % (l, i) for l in A)))
        for i in A:
            L.append("            " + "; ".join(store(i, j, "q%d.%d" % (i, j)) for j in A))
        return "\n".join(L)
    s.append("""/// V[ξ][t] = (Bᵀ d_t B)[ξ] for the `count` tiles of one padded plane (tile t's %(a)d×%(a)d patch starts at
/// `offsets[t]`, rows `pw` apart); `v` points at tile 0 in matrix ξ = 0, matrices `ms` apart.
func winogradF%(m)dInputTransform(_ padded: UnsafePointer<Float>, paddedWidth pw: Int, offsets: UnsafePointer<Int32>,
                                  count n: Int, into v: UnsafeMutablePointer<Float>, matrixStride ms: Int,
                                  scratch d: UnsafeMutablePointer<Float>) {
    for t in 0..<n {
        let p = padded + Int(offsets[t])
%(gather)s
    }
    var t = 0
    while t + 8 <= n {
        let s = UnsafePointer(d + t), o = v + t
        do {
%(vec)s
        }
        t += 8
    }
    while t < n {
        let s = d + t, o = v + t
        do {
%(sca)s
        }
        t += 1
    }
}
""" % dict(a=a, m=m,
           gather="\n".join("        " + "; ".join("d[%d &* n &+ t] = p[%d &* pw &+ %d]" % (k*a+l, k, l) for l in A) for k in A),
           vec=input_body(lambda k, l: "loadVector(s + %d &* n)" % (k*a+l), lambda i, j, e: "storeVector(%s, o + %d &* ms)" % (e, i*a+j)),
           sca=input_body(lambda k, l: "s[%d &* n]" % (k*a+l), lambda i, j, e: "o[%d &* ms] = %s" % (i*a+j, e))))

    # ---- input adjoint
    def inadj_body(load, store):
        L = []
        for i in A:
            L.append("            let q%d = f%dInputAdjoint(%s)" % (i, m, ", ".join(load(i, j) for j in A)))
        for b in A:
            L.append("            let c%d = f%dInputAdjoint(%s)" % (b, m, ", ".join("q%d.%d" % (i, b) for i in A)))
        for aa in A:
            L.append("            " + "; ".join(store(aa, b, "c%d.%d" % (b, aa)) for b in A))
        return "\n".join(L)
    s.append("""/// Adds B dV_t Bᵀ of each of the `count` tiles onto a padded gradient plane at `offsets[t]`
/// (neighbouring patches overlap, so this accumulates).
func winogradF%(m)dInputAdjoint(_ dv: UnsafePointer<Float>, matrixStride ms: Int, offsets: UnsafePointer<Int32>,
                                count n: Int, into padded: UnsafeMutablePointer<Float>, paddedWidth pw: Int,
                                scratch r: UnsafeMutablePointer<Float>) {
    var t = 0
    while t + 8 <= n {
        let s = dv + t, o = r + t
        do {
%(vec)s
        }
        t += 8
    }
    while t < n {
        let s = dv + t, o = r + t
        do {
%(sca)s
        }
        t += 1
    }
    for t in 0..<n {
        let p = padded + Int(offsets[t])
%(scatter)s
    }
}
""" % dict(m=m,
           vec=inadj_body(lambda i, j: "loadVector(s + %d &* ms)" % (i*a+j), lambda aa, b, e: "storeVector(%s, o + %d &* n)" % (e, aa*a+b)),
           sca=inadj_body(lambda i, j: "s[%d &* ms]" % (i*a+j), lambda aa, b, e: "o[%d &* n] = %s" % (aa*a+b, e)),
           scatter="\n".join("        " + "; ".join("p[%d &* pw &+ %d] += r[%d &* n &+ t]" % (aa, b, aa*a+b) for b in A) for aa in A)))

    # ---- output transform
    def out_body(load, store):
        L = []
        for j in A:
            L.append("            let c%d = f%dOutput(%s)" % (j, m, ", ".join(load(i, j) for i in A)))
        for aa in Mr:
            L.append("            let y%d = f%dOutput(%s)" % (aa, m, ", ".join("c%d.%d" % (j, aa) for j in A)))
        for aa in Mr:
            L.append("            " + "; ".join(store(aa, b, "y%d.%d" % (aa, b)) for b in Mr))
        return "\n".join(L)
    s.append("""/// y = Aᵀ m_t A + bias for the `count` tiles of one plane, written at `offsets[t]` of a plane
/// whose rows are `ow` apart.
func winogradF%(m)dOutputTransform(_ mm: UnsafePointer<Float>, matrixStride ms: Int, offsets: UnsafePointer<Int32>,
                                   count n: Int, bias: Float, into y: UnsafeMutablePointer<Float>, rowStride ow: Int,
                                   scratch r: UnsafeMutablePointer<Float>) {
    let vb = SIMD8<Float>(repeating: bias)
    var t = 0
    while t + 8 <= n {
        let s = mm + t, o = r + t
        do {
%(vec)s
        }
        t += 8
    }
    while t < n {
        let s = mm + t, o = r + t
        do {
%(sca)s
        }
        t += 1
    }
    for t in 0..<n {
        let p = y + Int(offsets[t])
%(place)s
    }
}
""" % dict(m=m,
           vec=out_body(lambda i, j: "loadVector(s + %d &* ms)" % (i*a+j), lambda aa, b, e: "storeVector(%s + vb, o + %d &* n)" % (e, aa*m+b)),
           sca=out_body(lambda i, j: "s[%d &* ms]" % (i*a+j), lambda aa, b, e: "o[%d &* n] = %s + bias" % (aa*m+b, e)),
           place="\n".join("        " + "; ".join("p[%d &* ow &+ %d] = r[%d &* n &+ t]" % (aa, b, aa*m+b) for b in Mr) for aa in Mr)))

    # ---- output adjoint
    def outadj_body(load, store):
        L = []
        for b in Mr:
            L.append("            let e%d = f%dOutputAdjoint(%s)" % (b, m, ", ".join(load(aa, b) for aa in Mr)))
        for i in A:
            L.append("            let q%d = f%dOutputAdjoint(%s)" % (i, m, ", ".join("e%d.%d" % (b, i) for b in Mr)))
        for i in A:
            L.append("            " + "; ".join(store(i, j, "q%d.%d" % (i, j)) for j in A))
        return "\n".join(L)
    s.append("""/// dM_t = A dy_t Aᵀ for the `count` tiles of one output-gradient plane (tile t's %(m)d×%(m)d block at
/// `offsets[t]`, rows `ow` apart).
func winogradF%(m)dOutputAdjoint(_ dy: UnsafePointer<Float>, rowStride ow: Int, offsets: UnsafePointer<Int32>, count n: Int,
                                 into dm: UnsafeMutablePointer<Float>, matrixStride ms: Int,
                                 scratch g: UnsafeMutablePointer<Float>) {
    for t in 0..<n {
        let p = dy + Int(offsets[t])
%(gather)s
    }
    var t = 0
    while t + 8 <= n {
        let s = UnsafePointer(g + t), o = dm + t
        do {
%(vec)s
        }
        t += 8
    }
    while t < n {
        let s = g + t, o = dm + t
        do {
%(sca)s
        }
        t += 1
    }
}
""" % dict(m=m,
           gather="\n".join("        " + "; ".join("g[%d &* n &+ t] = p[%d &* ow &+ %d]" % (aa*m+b, aa, b) for b in Mr) for aa in Mr),
           vec=outadj_body(lambda aa, b: "loadVector(s + %d &* n)" % (aa*m+b), lambda i, j, e: "storeVector(%s, o + %d &* ms)" % (e, i*a+j)),
           sca=outadj_body(lambda aa, b: "s[%d &* n]" % (aa*m+b), lambda i, j, e: "o[%d &* ms] = %s" % (i*a+j, e))))

    # ---- weights
    L = []
    for b in range(3):
        L.append("            let c%d = f%dWeight(k[%d], k[%d], k[%d])" % (b, m, b, 3+b, 6+b))
    for i in A:
        L.append("            let r%d = f%dWeight(c0.%d, c1.%d, c2.%d)" % (i, m, i, i, i))
    for i in A:
        L.append("            " + "; ".join("u[%d &* stride] = r%d.%d" % (i*a+j, i, j) for j in A))
    s.append("""/// U[ξ][o][c] = (G w[o, c] Gᵀ)[ξ] for output channels `range`; matrices `stride` apart, each [Cout, Cin].
func winogradF%(m)dWeightTransform(_ w: UnsafePointer<Float>, outputChannels range: Range<Int>, inputChannels: Int,
                                   into target: UnsafeMutablePointer<Float>, matrixStride stride: Int) {
    for o in range {
        for c in 0..<inputChannels {
            let k = w + (o &* inputChannels &+ c) &* 9, u = target + (o &* inputChannels &+ c)
%(body)s
        }
    }
}
""" % dict(m=m, body="\n".join(L)))
    L = []
    for i in A:
        L.append("        let r%d = f%dWeightAdjoint(%s)" % (i, m, ", ".join("s[%d &* stride]" % (i*a+j) for j in A)))
    for b in range(3):
        L.append("        let q%d = f%dWeightAdjoint(%s)" % (b, m, ", ".join("r%d.%d" % (i, b) for i in A)))
    L.append("        " + "; ".join("k[%d] = q%d.%d" % (aa*3+b, b, aa) for aa in range(3) for b in range(3)))
    s.append("""/// dw[o, c] = Gᵀ dU[o, c] G for every channel pair; dU matrices `stride` apart, each [Cout, Cin].
func winogradF%(m)dWeightAdjoint(_ du: UnsafePointer<Float>, pairs: Int, into dw: UnsafeMutablePointer<Float>,
                                 matrixStride stride: Int) {
    for pair in 0..<pairs {
        let s = du + pair, k = dw + pair &* 9
%(body)s
    }
}
""" % dict(m=m, body="\n".join(L)))
    return "\n".join(s)

header = """// GENERATED by scripts/generate-winograd.py from the transform matrices below; do not edit by hand.
//
// Winograd F(m×m, 3×3) transforms, straight-line, for m = 2 and m = 4 (α = m + 2 points):
//   F(2×2, 3×3): Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//                Aᵀ = [1 1 1 0; 0 1 −1 −1]
//   F(4×4, 3×3) (interpolation points 0, ±1, ±2, ∞):
//                Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
//                G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
//                Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
// Every plane transform gathers each tile's values into contiguous per-position rows of a scratch
// buffer (`count` floats apart), transforms eight tiles at a time with SIMD, and scatters back.
// Position ξ = i·α + j of a transformed tile lives in matrix ξ (`matrixStride` floats apart).
"""
print(header)
print(gen(2))
print(gen(4))
