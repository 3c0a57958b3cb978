import Foundation
import Testing
import FlintText
import FlintTestSupport
@testable import FlintModels

/// The README's text-model examples, run as written (with the test cache's MiniLM), so the front door stays true.
@Suite struct ReadmeTextExampleTests {
    @Test func libraryExamplesGiveTheNumbersTheReadmeShows() throws {
        let miniLM = try TestModels.miniLM.path
        let tokenizer = try Tokenizer.fromPretrained(URL(fileURLWithPath: miniLM))
        let encoding = tokenizer.encode("Café Déjà vu!")
        #expect(encoding.tokens == ["[CLS]", "cafe", "de", "##ja", "vu", "!", "[SEP]"])
        #expect(encoding.ids == [101, 7668, 2139, 3900, 24728, 999, 102])

        let embedder = try pipeline(.sentenceEmbedding, model: miniLM)
        let vectors = try embedder(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
        #expect(abs(SentenceEmbeddingPipeline.cosineSimilarity(vectors[0], vectors[1]) - 0.666) < 5e-4)
        #expect(abs(vectors[0][0] - 0.019195765) < 1e-5)

        let features = try pipeline(.featureExtraction, model: miniLM)
        #expect(try features("Hello world").shape == [4, 384])
        let zeroShot = try pipeline(.zeroShotClassification, model: miniLM)
        #expect(try zeroShot("The striker scored twice.", candidateLabels: ["sport", "business", "politics"]).label == "sport")

        let model = try BertForSequenceClassification.fromPretrained(miniLM, labels: ["negative", "positive"])
        #expect(model.labelNames == ["negative", "positive"])
    }
}
