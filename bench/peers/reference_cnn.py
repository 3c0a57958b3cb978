"""The reference CNN in PyTorch, with the same module names as Flint's `ReferenceCNN`
(`features.N.*`, `classifier.N.*`), so state dicts move between the two."""
import torch.nn as nn


class ReferenceCNN(nn.Module):
    def __init__(self, in_channels=1, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, padding=1), nn.BatchNorm2d(256), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(256, 128), nn.ReLU(inplace=True), nn.Dropout(0.3),
            nn.Linear(128, classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))
