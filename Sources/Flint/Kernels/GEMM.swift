/// Raw-pointer matrix products for inference engines in other modules (`FlintModels`' BERT encoder)
/// that keep their own buffers and call BLAS without building tensors.
///
/// All matrices are row-major float32. `C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C`, where
/// op(X) is X or Xᵀ. With `transposeB`, B is stored as n rows of k (a PyTorch `Linear` weight
/// `[out, in]` is used as-is).
public enum GEMM {
    /// The product on the calling thread only (one OpenBLAS call).
    @inlinable
    public static func multiply(_ a: UnsafePointer<Float>, leadingDimensionA lda: Int, transposeA: Bool = false,
                                _ b: UnsafePointer<Float>, leadingDimensionB ldb: Int, transposeB: Bool = false,
                                into c: UnsafeMutablePointer<Float>, leadingDimensionC ldc: Int,
                                m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0) {
        if m == 0 || n == 0 { return }
        serial(a, lda, transposeA, b, ldb, transposeB, c, ldc, m, n, k, alpha, beta)
    }

    /// The product split over Flint's threads (`parallelSGEMM`): by rows of C when m ≥ n, else by
    /// columns, in blocks that are multiples of 16; small products run on the calling thread.
    public static func parallelMultiply(_ a: UnsafePointer<Float>, leadingDimensionA lda: Int, transposeA: Bool = false,
                                        _ b: UnsafePointer<Float>, leadingDimensionB ldb: Int, transposeB: Bool = false,
                                        into c: UnsafeMutablePointer<Float>, leadingDimensionC ldc: Int,
                                        m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0) {
        if m == 0 || n == 0 { return }
        parallelSGEMM(a, BLASOperand(transposed: transposeA, leadingDimension: lda),
                      b, BLASOperand(transposed: transposeB, leadingDimension: ldb),
                      c, ldc: ldc, m: m, n: n, k: k, alpha: alpha, beta: beta)
    }

    @usableFromInline
    static func serial(_ a: UnsafePointer<Float>, _ lda: Int, _ transposeA: Bool,
                       _ b: UnsafePointer<Float>, _ ldb: Int, _ transposeB: Bool,
                       _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ m: Int, _ n: Int, _ k: Int,
                       _ alpha: Float, _ beta: Float) {
        sgemm(a, BLASOperand(transposed: transposeA, leadingDimension: lda),
              b, BLASOperand(transposed: transposeB, leadingDimension: ldb),
              c, ldc: ldc, m: m, n: n, k: k, alpha: alpha, beta: beta)
    }
}
